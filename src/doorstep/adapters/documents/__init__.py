"""Printable documents: shipping labels (PDF, ZPL II), packing slips and manifests."""
