"""The public side: a resident looks a concern up by its reference code; the slip an official hands over."""
