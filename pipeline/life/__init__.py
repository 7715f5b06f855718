"""Life: life tables (Chiang II with CIs), mortality measures and the 人均预期寿命测算报告.
May import the core, pipeline.monthly.indicators (regions, population) and pipeline.render."""
