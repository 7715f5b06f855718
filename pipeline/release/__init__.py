"""Release: immutable versioned folders, manifests and checksums, change logs, recipient bundles, the index page.
May import the core, pipeline.monthly.indicators (regions) and pipeline.render; no stage imports it."""
