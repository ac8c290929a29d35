"""Material for learning backpropagation: the classic mistakes, where a gradient comes from, a quiz.

Nothing here is a mode of the engine: the wrong backward passes in
`mistakes.py` are teaching data, computed beside the real one and never
written into a node's gradient.
"""
