"""Monthly: the indicator engine (canonical table → tidy indicator table) and the 月报 (city and county editions).
May import the core, pipeline.qc (filing rates for 数据质量) and pipeline.render."""
