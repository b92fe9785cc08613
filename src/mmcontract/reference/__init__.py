"""The embedded reference server: an independent, stateful implementation of the documented API."""
