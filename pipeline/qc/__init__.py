"""QC: registry × submissions → 漏报/重报/迟报 and rule results, the quarterly 通报 and county problem lists.
May import the core, pipeline.annual (rule W008 reads the annual reports) and pipeline.render."""
