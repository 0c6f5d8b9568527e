"""One module per subcommand; each exposes ``command``.  Discovered by :class:`StreamsGroup`."""
