"""Annual: indicators from the institutions' annual reports, plan targets and the 统计报告及提要.
May import the core, pipeline.ingest (classification), pipeline.monthly, pipeline.life and pipeline.render."""
