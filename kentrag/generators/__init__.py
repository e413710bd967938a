"""Answer generators behind one interface, one backend per module."""
