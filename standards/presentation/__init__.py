"""What the network code's pages show besides views and templates: the tally's chart
geometry and the service navigation's entries."""
