"""Demo data for the network code: the register of adopted standards (``register.json``,
loaded by :mod:`.registry`) and proposals at every stage, made through the services
(:mod:`.proposals`)."""
