"""What procurement's pages and documents show besides views and templates: navigation
entries, the home and product panels, chart geometry, PDF rendering."""
