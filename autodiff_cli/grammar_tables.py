"""Generated from grammar/autodiff.lark by `python -m autodiff_cli.tables`: do not edit."""

# ruff: noqa: E501

CHECKSUM = 3864756694

TERMINALS = (
    ('NUMBER', '(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?'),
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
    ('statement', 1, 'bare', False, None),  # 9
    ('expr', 1, 'expr', True, None),  # 10
    ('sum', 1, 'sum', True, None),  # 11
    ('sum', 3, 'add', False, ((0, False), (2, False))),  # 12
    ('sum', 3, 'sub', False, ((0, False), (2, False))),  # 13
    ('product', 1, 'product', True, None),  # 14
    ('product', 3, 'mul', False, ((0, False), (2, False))),  # 15
    ('product', 3, 'div', False, ((0, False), (2, False))),  # 16
    ('unary', 1, 'unary', True, None),  # 17
    ('unary', 2, 'neg', False, None),  # 18
    ('unary', 2, 'pos', False, None),  # 19
    ('power', 1, 'power', True, None),  # 20
    ('power', 3, 'pow', False, None),  # 21
    ('atom', 1, 'number', False, None),  # 22
    ('atom', 1, 'name', False, None),  # 23
    ('atom', 4, 'call', False, ((0, False), (2, False), (3, False))),  # 24
    ('atom', 3, 'call', False, ((0, False), (2, False))),  # 25
    ('atom', 3, 'group', False, None),  # 26
    ('arguments', 2, 'arguments', False, ((0, False), (1, True))),  # 27
    ('arguments', 1, 'arguments', False, None),  # 28
    ('__start_plus_0', 1, '__start_plus_0', False, ()),  # 29
    ('__start_plus_0', 2, '__start_plus_0', False, ((0, True),)),  # 30
    ('__start_star_1', 2, '__start_star_1', False, ((0, False), (1, True))),  # 31
    ('__start_star_1', 3, '__start_star_1', False, ((0, True), (1, False), (2, True))),  # 32
    ('__arguments_star_2', 2, '__arguments_star_2', False, ((1, False),)),  # 33
    ('__arguments_star_2', 3, '__arguments_star_2', False, ((0, True), (2, False))),  # 34
)

START_STATE = 0
END_STATE = 13

STATES: tuple[dict[str, int], ...] = (
    {'$END': -8, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, '_SEP': 6, '__start_plus_0': 7, '__start_star_1': 8, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'start': 13, 'statement': 14, 'sum': 15, 'unary': 16},  # 0
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 18, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 1
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 19},  # 2
    {'$END': -24, 'EQUAL': 20, 'LPAR': 21, 'MINUS': -24, 'PLUS': -24, 'POW': -24, 'SLASH': -24, 'STAR': -24, '_SEP': -24},  # 3
    {'$END': -23, 'COMMA': -23, 'MINUS': -23, 'PLUS': -23, 'POW': -23, 'RPAR': -23, 'SLASH': -23, 'STAR': -23, '_SEP': -23},  # 4
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 22},  # 5
    {'$END': -30, 'LPAR': -30, 'MINUS': -30, 'NAME': -30, 'NUMBER': -30, 'PLUS': -30, '_SEP': -30},  # 6
    {'$END': -4, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, '_SEP': 23, '__start_star_1': 24, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'statement': 25, 'sum': 15, 'unary': 16},  # 7
    {'$END': -6, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'statement': 26, 'sum': 15, 'unary': 16},  # 8
    {'$END': -21, 'COMMA': -21, 'MINUS': -21, 'PLUS': -21, 'POW': 27, 'RPAR': -21, 'SLASH': -21, 'STAR': -21, '_SEP': -21},  # 9
    {'$END': -10, '_SEP': -10},  # 10
    {'$END': -18, 'COMMA': -18, 'MINUS': -18, 'PLUS': -18, 'RPAR': -18, 'SLASH': -18, 'STAR': -18, '_SEP': -18},  # 11
    {'$END': -12, 'COMMA': -12, 'MINUS': -12, 'PLUS': -12, 'RPAR': -12, 'SLASH': 28, 'STAR': 29, '_SEP': -12},  # 12
    {},  # 13
    {'$END': -7, '_SEP': 6, '__start_plus_0': 30},  # 14
    {'$END': -11, 'COMMA': -11, 'MINUS': 31, 'PLUS': 32, 'RPAR': -11, '_SEP': -11},  # 15
    {'$END': -15, 'COMMA': -15, 'MINUS': -15, 'PLUS': -15, 'RPAR': -15, 'SLASH': -15, 'STAR': -15, '_SEP': -15},  # 16
    {'$END': -24, 'COMMA': -24, 'LPAR': 21, 'MINUS': -24, 'PLUS': -24, 'POW': -24, 'RPAR': -24, 'SLASH': -24, 'STAR': -24, '_SEP': -24},  # 17
    {'RPAR': 33},  # 18
    {'$END': -19, 'COMMA': -19, 'MINUS': -19, 'PLUS': -19, 'RPAR': -19, 'SLASH': -19, 'STAR': -19, '_SEP': -19},  # 19
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 34, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 20
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'RPAR': 35, 'arguments': 36, 'atom': 9, 'expr': 37, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 21
    {'$END': -20, 'COMMA': -20, 'MINUS': -20, 'PLUS': -20, 'RPAR': -20, 'SLASH': -20, 'STAR': -20, '_SEP': -20},  # 22
    {'$END': -31, 'LPAR': -31, 'MINUS': -31, 'NAME': -31, 'NUMBER': -31, 'PLUS': -31, '_SEP': -31},  # 23
    {'$END': -2, 'LPAR': 1, 'MINUS': 2, 'NAME': 3, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 10, 'power': 11, 'product': 12, 'statement': 38, 'sum': 15, 'unary': 16},  # 24
    {'$END': -3, '_SEP': 6, '__start_plus_0': 30},  # 25
    {'$END': -5, '_SEP': 6, '__start_plus_0': 39},  # 26
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 40},  # 27
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 41},  # 28
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'unary': 42},  # 29
    {'$END': -32, 'LPAR': -32, 'MINUS': -32, 'NAME': -32, 'NUMBER': -32, 'PLUS': -32, '_SEP': 23},  # 30
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'product': 43, 'unary': 16},  # 31
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'power': 11, 'product': 44, 'unary': 16},  # 32
    {'$END': -27, 'COMMA': -27, 'MINUS': -27, 'PLUS': -27, 'POW': -27, 'RPAR': -27, 'SLASH': -27, 'STAR': -27, '_SEP': -27},  # 33
    {'$END': -9, '_SEP': -9},  # 34
    {'$END': -26, 'COMMA': -26, 'MINUS': -26, 'PLUS': -26, 'POW': -26, 'RPAR': -26, 'SLASH': -26, 'STAR': -26, '_SEP': -26},  # 35
    {'RPAR': 45},  # 36
    {'COMMA': 46, 'RPAR': -29, '__arguments_star_2': 47},  # 37
    {'$END': -1, '_SEP': 6, '__start_plus_0': 39},  # 38
    {'$END': -33, 'LPAR': -33, 'MINUS': -33, 'NAME': -33, 'NUMBER': -33, 'PLUS': -33, '_SEP': 23},  # 39
    {'$END': -22, 'COMMA': -22, 'MINUS': -22, 'PLUS': -22, 'RPAR': -22, 'SLASH': -22, 'STAR': -22, '_SEP': -22},  # 40
    {'$END': -17, 'COMMA': -17, 'MINUS': -17, 'PLUS': -17, 'RPAR': -17, 'SLASH': -17, 'STAR': -17, '_SEP': -17},  # 41
    {'$END': -16, 'COMMA': -16, 'MINUS': -16, 'PLUS': -16, 'RPAR': -16, 'SLASH': -16, 'STAR': -16, '_SEP': -16},  # 42
    {'$END': -14, 'COMMA': -14, 'MINUS': -14, 'PLUS': -14, 'RPAR': -14, 'SLASH': 28, 'STAR': 29, '_SEP': -14},  # 43
    {'$END': -13, 'COMMA': -13, 'MINUS': -13, 'PLUS': -13, 'RPAR': -13, 'SLASH': 28, 'STAR': 29, '_SEP': -13},  # 44
    {'$END': -25, 'COMMA': -25, 'MINUS': -25, 'PLUS': -25, 'POW': -25, 'RPAR': -25, 'SLASH': -25, 'STAR': -25, '_SEP': -25},  # 45
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 48, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 46
    {'COMMA': 49, 'RPAR': -28},  # 47
    {'COMMA': -34, 'RPAR': -34},  # 48
    {'LPAR': 1, 'MINUS': 2, 'NAME': 17, 'NUMBER': 4, 'PLUS': 5, 'atom': 9, 'expr': 50, 'power': 11, 'product': 12, 'sum': 15, 'unary': 16},  # 49
    {'COMMA': -35, 'RPAR': -35},  # 50
)
