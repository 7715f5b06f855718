"""Sample city: deterministic generators of fictitious exports, registry, annual and death data for 示例城市.
May import the core and pipeline.render.xlsx; used only by `python -m pipeline sample-data` and tests, never by a stage."""
