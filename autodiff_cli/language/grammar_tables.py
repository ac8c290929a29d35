"""Generated from grammar/autodiff.lark by `python -m autodiff_cli.language.tables`: do not edit."""

# ruff: noqa: E501

CHECKSUM = 1985191160

TERMINALS = (
    ('NUMBER', '([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?'),
    ('NAME', '[A-Za-z_][A-Za-z0-9_]*'),
    ('__IGNORE_1', '[ \t\r\x0c]+'),
    ('COMMENT', '#[^\n]*'),
    ('POW', '(?:\\*\\*|\\^)'),
    ('_SEP', '[;\n]'),
    ('COMMA', ','),
    ('EQUAL', '='),
    ('LPAR', '\\('),
    ('MINUS', '\\-'),
    ('PLUS', '\\+'),
    ('RPAR', '\\)'),
    ('SLASH', '/'),
    ('STAR', '\\*'),
)

IGNORE = ('COMMENT', '__IGNORE_1')

RULES = (
    ('start', 3, 'start', False, ((0, True), (1, True), (2, False))),  # 0
    ('start', 2, 'start', False, ((0, True), (1, True))),  # 1
    ('start', 2, 'start', False, ((0, True), (1, False))),  # 2
    ('start', 1, 'start', False, ((0, True),)),  # 3
    ('start', 2, 'start', False, ((0, True), (1, False))),  # 4
    ('start', 1, 'start', False, ((0, True),)),  # 5
    ('start', 1, 'start', False, None),  # 6
    ('start', 0, 'start', False, None),  # 7
    ('statement', 3, 'assign', False, ((0, False), (2, False))),  # 8
    ('statement', 6, 'define', False, ((0, False), (2, False), (3, False), (5, False))),  # 9
    ('statement', 5, 'define', False, ((0, False), (2, False), (4, False))),  # 10
    ('statement', 1, 'bare', False, None),  # 11
    ('expr', 1, 'expr', True, None),  # 12
    ('sum', 1, 'sum', True, None),  # 13
    ('sum', 3, 'add', False, ((0, False), (2, False))),  # 14
    ('sum', 3, 'sub', False, ((0, False), (2, False))),  # 15
    ('product', 1, 'product', True, None),  # 16
    ('product', 3, 'mul', False, ((0, False), (2, False))),  # 17
    ('product', 3, 'div', False, ((0, False), (2, False))),  # 18
    ('unary', 1, 'unary', True, None),  # 19
    ('unary', 2, 'neg', False, None),  # 20
    ('unary', 2, 'pos', False, None),  # 21
    ('power', 1, 'power', True, None),  # 22
    ('power', 3, 'pow', False, None),  # 23
    ('atom', 1, 'number', False, None),  # 24
    ('atom', 1, 'name', False, None),  # 25
    ('atom', 4, 'call', False, ((0, False), (2, False), (3, False))),  # 26
    ('atom', 3, 'call', False, ((0, False), (2, False))),  # 27
    ('atom', 3, 'group', False, None),  # 28
    ('arguments', 2, 'arguments', False, ((0, False), (1, True))),  # 29
    ('arguments', 1, 'arguments', False, None),  # 30
    ('__start_plus_0', 1, '__start_plus_0', False, ()),  # 31
    ('__start_plus_0', 2, '__start_plus_0', False, ((0, True),)),  # 32
    ('__start_star_1', 2, '__start_star_1', False, ((0, False), (1, True))),  # 33
    ('__start_star_1', 3, '__start_star_1', False, ((0, True), (1, False), (2, True))),  # 34
    ('__arguments_star_2', 2, '__arguments_star_2', False, ((1, False),)),  # 35
    ('__arguments_star_2', 3, '__arguments_star_2', False, ((0, True), (2, False))),  # 36
)

START_STATE = 0
END_STATE = 13

STATES: tuple[dict[str, int], ...] = (
    {'$END': -8, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, '_SEP': 6, '__start_plus_0': 7, '__start_star_1': 8, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'start': 13, 'statement': 14, 'sum': 15, 'unary': 16},  # 0
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 18, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 1
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 19},  # 2
    {'$END': -26, 'EQUAL': 20, 'LPAR': 21, 'MINUS': -26, 'PLUS': -26, 'POW': -26, 'SLASH': -26, 'STAR': -26, '_SEP': -26},  # 3
    {'$END': -25, 'COMMA': -25, 'MINUS': -25, 'PLUS': -25, 'POW': -25, 'RPAR': -25, 'SLASH': -25, 'STAR': -25, '_SEP': -25},  # 4
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 22},  # 5
    {'$END': -32, 'LPAR': -32, 'MINUS': -32, 'NAME': -32, 'NUMBER': -32, 'PLUS': -32, '_SEP': -32},  # 6
    {'$END': -4, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, '_SEP': 23, '__start_star_1': 24, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'statement': 25, 'sum': 15, 'unary': 16},  # 7
    {'$END': -6, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'statement': 26, 'sum': 15, 'unary': 16},  # 8
    {'$END': -23, 'COMMA': -23, 'MINUS': -23, 'PLUS': -23, 'POW': 27, 'RPAR': -23, 'SLASH': -23, 'STAR': -23, '_SEP': -23},  # 9
    {'$END': -12, '_SEP': -12},  # 10
    {'$END': -20, 'COMMA': -20, 'MINUS': -20, 'PLUS': -20, 'RPAR': -20, 'SLASH': -20, 'STAR': -20, '_SEP': -20},  # 11
    {'$END': -14, 'COMMA': -14, 'MINUS': -14, 'PLUS': -14, 'RPAR': -14, 'SLASH': 28, 'STAR': 29, '_SEP': -14},  # 12
    {},  # 13
    {'$END': -7, '_SEP': 6, '__start_plus_0': 30},  # 14
    {'$END': -13, 'COMMA': -13, 'MINUS': 31, 'PLUS': 32, 'RPAR': -13, '_SEP': -13},  # 15
    {'$END': -17, 'COMMA': -17, 'MINUS': -17, 'PLUS': -17, 'RPAR': -17, 'SLASH': -17, 'STAR': -17, '_SEP': -17},  # 16
    {'$END': -26, 'COMMA': -26, 'LPAR': 33, 'MINUS': -26, 'PLUS': -26, 'POW': -26, 'RPAR': -26, 'SLASH': -26, 'STAR': -26, '_SEP': -26},  # 17
    {'RPAR': 34},  # 18
    {'$END': -21, 'COMMA': -21, 'MINUS': -21, 'PLUS': -21, 'RPAR': -21, 'SLASH': -21, 'STAR': -21, '_SEP': -21},  # 19
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 35, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 20
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'RPAR': 36, 'arguments': 37, 'atom': 9, 'expr': 38, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 21
    {'$END': -22, 'COMMA': -22, 'MINUS': -22, 'PLUS': -22, 'RPAR': -22, 'SLASH': -22, 'STAR': -22, '_SEP': -22},  # 22
    {'$END': -33, 'LPAR': -33, 'MINUS': -33, 'NAME': -33, 'NUMBER': -33, 'PLUS': -33, '_SEP': -33},  # 23
    {'$END': -2, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'statement': 39, 'sum': 15, 'unary': 16},  # 24
    {'$END': -3, '_SEP': 6, '__start_plus_0': 30},  # 25
    {'$END': -5, '_SEP': 6, '__start_plus_0': 40},  # 26
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 41},  # 27
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 42},  # 28
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 43},  # 29
    {'$END': -34, 'LPAR': -34, 'MINUS': -34, 'NAME': -34, 'NUMBER': -34, 'PLUS': -34, '_SEP': 23},  # 30
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'product': 44, 'unary': 16},  # 31
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'product': 45, 'unary': 16},  # 32
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'RPAR': 46, 'arguments': 47, 'atom': 9, 'expr': 38, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 33
    {'$END': -29, 'COMMA': -29, 'MINUS': -29, 'PLUS': -29, 'POW': -29, 'RPAR': -29, 'SLASH': -29, 'STAR': -29, '_SEP': -29},  # 34
    {'$END': -9, '_SEP': -9},  # 35
    {'$END': -28, 'EQUAL': 48, 'MINUS': -28, 'PLUS': -28, 'POW': -28, 'SLASH': -28, 'STAR': -28, '_SEP': -28},  # 36
    {'RPAR': 49},  # 37
    {'COMMA': 50, 'RPAR': -31, '__arguments_star_2': 51},  # 38
    {'$END': -1, '_SEP': 6, '__start_plus_0': 40},  # 39
    {'$END': -35, 'LPAR': -35, 'MINUS': -35, 'NAME': -35, 'NUMBER': -35, 'PLUS': -35, '_SEP': 23},  # 40
    {'$END': -24, 'COMMA': -24, 'MINUS': -24, 'PLUS': -24, 'RPAR': -24, 'SLASH': -24, 'STAR': -24, '_SEP': -24},  # 41
    {'$END': -19, 'COMMA': -19, 'MINUS': -19, 'PLUS': -19, 'RPAR': -19, 'SLASH': -19, 'STAR': -19, '_SEP': -19},  # 42
    {'$END': -18, 'COMMA': -18, 'MINUS': -18, 'PLUS': -18, 'RPAR': -18, 'SLASH': -18, 'STAR': -18, '_SEP': -18},  # 43
    {'$END': -16, 'COMMA': -16, 'MINUS': -16, 'PLUS': -16, 'RPAR': -16, 'SLASH': 28, 'STAR': 29, '_SEP': -16},  # 44
    {'$END': -15, 'COMMA': -15, 'MINUS': -15, 'PLUS': -15, 'RPAR': -15, 'SLASH': 28, 'STAR': 29, '_SEP': -15},  # 45
    {'$END': -28, 'COMMA': -28, 'MINUS': -28, 'PLUS': -28, 'POW': -28, 'RPAR': -28, 'SLASH': -28, 'STAR': -28, '_SEP': -28},  # 46
    {'RPAR': 52},  # 47
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 53, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 48
    {'$END': -27, 'EQUAL': 54, 'MINUS': -27, 'PLUS': -27, 'POW': -27, 'SLASH': -27, 'STAR': -27, '_SEP': -27},  # 49
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 55, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 50
    {'COMMA': 56, 'RPAR': -30},  # 51
    {'$END': -27, 'COMMA': -27, 'MINUS': -27, 'PLUS': -27, 'POW': -27, 'RPAR': -27, 'SLASH': -27, 'STAR': -27, '_SEP': -27},  # 52
    {'$END': -11, '_SEP': -11},  # 53
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 57, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 54
    {'COMMA': -36, 'RPAR': -36},  # 55
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 58, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 56
    {'$END': -10, '_SEP': -10},  # 57
    {'COMMA': -37, 'RPAR': -37},  # 58
)
