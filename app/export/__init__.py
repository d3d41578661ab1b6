"""Take it home: a stepping page's steps as an animation (GIF, APNG) or one step as a vector slide (SVG).

``layout`` turns a frame (labelled grids, the products line, the sum) into positioned rectangles and
text, once; ``raster`` draws that with Pillow and encodes the animation, ``svg`` writes it as SVG text.
The numbers come from the engine (app/web/export.py builds the frames); nothing here computes.
"""
