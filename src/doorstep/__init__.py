"""doorstep: everything between an online shop's checkout and the customer's front door."""

__version__ = "0.1.0"
__all__ = ["__version__"]
