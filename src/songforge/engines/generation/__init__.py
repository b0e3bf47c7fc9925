"""Song generation: lyrics, composition, rendering and singing, behind one interface."""
