"""Layer 1, the model: schemas, the catalogue and presets, reading and writing engagement files, errors, messages.

Imports nothing of ours from above. The message catalogue (:mod:`.messages`), :mod:`.paths` and
:mod:`.datafiles` sit at the very bottom and need nothing else of ours.
"""
