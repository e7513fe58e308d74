"""Similarity of graded code across a class and against known solutions, the handout's own code taken out.

extract (each graded function's code, with ast), fingerprint (normalized tokens, winnowed with copydetect),
collect (the class, the archive, the starter code), score (per function, per pair, the threshold), highlight and
render (similarity.json, similarity.html, side-by-side views), run (the verb). Informs the instructor; never changes
a score, and never reaches what students see.
"""

# The files it writes into an output folder, here so that naming them needs no copydetect (grade-all keeps
# students' folders off these names).
JSON = "similarity.json"
HTML = "similarity.html"
VIEWS = "similarity"  # the folder of the side-by-side pages
