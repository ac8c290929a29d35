"""Generated from grammar/autodiff.lark by `python -m autodiff_cli.language.tables`: do not edit."""

# ruff: noqa: E501

CHECKSUM = 52470639

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
    ('LSQB', '\\['),
    ('MINUS', '\\-'),
    ('PLUS', '\\+'),
    ('RPAR', '\\)'),
    ('RSQB', '\\]'),
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
    ('atom', 1, 'atom', True, None),  # 25
    ('element', 1, 'name', False, None),  # 26
    ('element', 4, 'call', False, ((0, False), (2, False), (3, False))),  # 27
    ('element', 3, 'call', False, ((0, False), (2, False))),  # 28
    ('element', 3, 'group', False, None),  # 29
    ('element', 3, 'vector', False, None),  # 30
    ('element', 4, 'index', False, None),  # 31
    ('arguments', 2, 'arguments', False, ((0, False), (1, True))),  # 32
    ('arguments', 1, 'arguments', False, None),  # 33
    ('__start_plus_0', 1, '__start_plus_0', False, ()),  # 34
    ('__start_plus_0', 2, '__start_plus_0', False, ((0, True),)),  # 35
    ('__start_star_1', 2, '__start_star_1', False, ((0, False), (1, True))),  # 36
    ('__start_star_1', 3, '__start_star_1', False, ((0, True), (1, False), (2, True))),  # 37
    ('__arguments_star_2', 2, '__arguments_star_2', False, ((1, False),)),  # 38
    ('__arguments_star_2', 3, '__arguments_star_2', False, ((0, True), (2, False))),  # 39
)

START_STATE = 0
END_STATE = 15

STATES: tuple[dict[str, int], ...] = (
    {'$END': -8, 'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 4, 'NUMBER': 5, 'PLUS': 6, '_SEP': 7, '__start_plus_0': 8, '__start_star_1': 9, 'atom': 10, 'element': 11, 'expr': 12, 'power': 13, 'product': 14, 'start': 15, 'statement': 16, 'sum': 17, 'unary': 18},  # 0
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 20, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 1
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'arguments': 21, 'atom': 10, 'element': 11, 'expr': 22, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 2
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'unary': 23},  # 3
    {'$END': -27, 'EQUAL': 24, 'LPAR': 25, 'LSQB': -27, 'MINUS': -27, 'PLUS': -27, 'POW': -27, 'SLASH': -27, 'STAR': -27, '_SEP': -27},  # 4
    {'$END': -25, 'COMMA': -25, 'MINUS': -25, 'PLUS': -25, 'POW': -25, 'RPAR': -25, 'RSQB': -25, 'SLASH': -25, 'STAR': -25, '_SEP': -25},  # 5
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'unary': 26},  # 6
    {'$END': -35, 'LPAR': -35, 'LSQB': -35, 'MINUS': -35, 'NAME': -35, 'NUMBER': -35, 'PLUS': -35, '_SEP': -35},  # 7
    {'$END': -4, 'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 4, 'NUMBER': 5, 'PLUS': 6, '_SEP': 27, '__start_star_1': 28, 'atom': 10, 'element': 11, 'expr': 12, 'power': 13, 'product': 14, 'statement': 29, 'sum': 17, 'unary': 18},  # 8
    {'$END': -6, 'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 4, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 12, 'power': 13, 'product': 14, 'statement': 30, 'sum': 17, 'unary': 18},  # 9
    {'$END': -23, 'COMMA': -23, 'MINUS': -23, 'PLUS': -23, 'POW': 31, 'RPAR': -23, 'RSQB': -23, 'SLASH': -23, 'STAR': -23, '_SEP': -23},  # 10
    {'$END': -26, 'COMMA': -26, 'LSQB': 32, 'MINUS': -26, 'PLUS': -26, 'POW': -26, 'RPAR': -26, 'RSQB': -26, 'SLASH': -26, 'STAR': -26, '_SEP': -26},  # 11
    {'$END': -12, '_SEP': -12},  # 12
    {'$END': -20, 'COMMA': -20, 'MINUS': -20, 'PLUS': -20, 'RPAR': -20, 'RSQB': -20, 'SLASH': -20, 'STAR': -20, '_SEP': -20},  # 13
    {'$END': -14, 'COMMA': -14, 'MINUS': -14, 'PLUS': -14, 'RPAR': -14, 'RSQB': -14, 'SLASH': 33, 'STAR': 34, '_SEP': -14},  # 14
    {},  # 15
    {'$END': -7, '_SEP': 7, '__start_plus_0': 35},  # 16
    {'$END': -13, 'COMMA': -13, 'MINUS': 36, 'PLUS': 37, 'RPAR': -13, 'RSQB': -13, '_SEP': -13},  # 17
    {'$END': -17, 'COMMA': -17, 'MINUS': -17, 'PLUS': -17, 'RPAR': -17, 'RSQB': -17, 'SLASH': -17, 'STAR': -17, '_SEP': -17},  # 18
    {'$END': -27, 'COMMA': -27, 'LPAR': 38, 'LSQB': -27, 'MINUS': -27, 'PLUS': -27, 'POW': -27, 'RPAR': -27, 'RSQB': -27, 'SLASH': -27, 'STAR': -27, '_SEP': -27},  # 19
    {'RPAR': 39},  # 20
    {'RSQB': 40},  # 21
    {'COMMA': 41, 'RPAR': -34, 'RSQB': -34, '__arguments_star_2': 42},  # 22
    {'$END': -21, 'COMMA': -21, 'MINUS': -21, 'PLUS': -21, 'RPAR': -21, 'RSQB': -21, 'SLASH': -21, 'STAR': -21, '_SEP': -21},  # 23
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 43, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 24
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'RPAR': 44, 'arguments': 45, 'atom': 10, 'element': 11, 'expr': 22, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 25
    {'$END': -22, 'COMMA': -22, 'MINUS': -22, 'PLUS': -22, 'RPAR': -22, 'RSQB': -22, 'SLASH': -22, 'STAR': -22, '_SEP': -22},  # 26
    {'$END': -36, 'LPAR': -36, 'LSQB': -36, 'MINUS': -36, 'NAME': -36, 'NUMBER': -36, 'PLUS': -36, '_SEP': -36},  # 27
    {'$END': -2, 'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 4, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 12, 'power': 13, 'product': 14, 'statement': 46, 'sum': 17, 'unary': 18},  # 28
    {'$END': -3, '_SEP': 7, '__start_plus_0': 35},  # 29
    {'$END': -5, '_SEP': 7, '__start_plus_0': 47},  # 30
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'unary': 48},  # 31
    {'NUMBER': 49},  # 32
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'unary': 50},  # 33
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'unary': 51},  # 34
    {'$END': -37, 'LPAR': -37, 'LSQB': -37, 'MINUS': -37, 'NAME': -37, 'NUMBER': -37, 'PLUS': -37, '_SEP': 27},  # 35
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'product': 52, 'unary': 18},  # 36
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'power': 13, 'product': 53, 'unary': 18},  # 37
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'RPAR': 54, 'arguments': 55, 'atom': 10, 'element': 11, 'expr': 22, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 38
    {'$END': -30, 'COMMA': -30, 'LSQB': -30, 'MINUS': -30, 'PLUS': -30, 'POW': -30, 'RPAR': -30, 'RSQB': -30, 'SLASH': -30, 'STAR': -30, '_SEP': -30},  # 39
    {'$END': -31, 'COMMA': -31, 'LSQB': -31, 'MINUS': -31, 'PLUS': -31, 'POW': -31, 'RPAR': -31, 'RSQB': -31, 'SLASH': -31, 'STAR': -31, '_SEP': -31},  # 40
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 56, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 41
    {'COMMA': 57, 'RPAR': -33, 'RSQB': -33},  # 42
    {'$END': -9, '_SEP': -9},  # 43
    {'$END': -29, 'EQUAL': 58, 'LSQB': -29, 'MINUS': -29, 'PLUS': -29, 'POW': -29, 'SLASH': -29, 'STAR': -29, '_SEP': -29},  # 44
    {'RPAR': 59},  # 45
    {'$END': -1, '_SEP': 7, '__start_plus_0': 47},  # 46
    {'$END': -38, 'LPAR': -38, 'LSQB': -38, 'MINUS': -38, 'NAME': -38, 'NUMBER': -38, 'PLUS': -38, '_SEP': 27},  # 47
    {'$END': -24, 'COMMA': -24, 'MINUS': -24, 'PLUS': -24, 'RPAR': -24, 'RSQB': -24, 'SLASH': -24, 'STAR': -24, '_SEP': -24},  # 48
    {'RSQB': 60},  # 49
    {'$END': -19, 'COMMA': -19, 'MINUS': -19, 'PLUS': -19, 'RPAR': -19, 'RSQB': -19, 'SLASH': -19, 'STAR': -19, '_SEP': -19},  # 50
    {'$END': -18, 'COMMA': -18, 'MINUS': -18, 'PLUS': -18, 'RPAR': -18, 'RSQB': -18, 'SLASH': -18, 'STAR': -18, '_SEP': -18},  # 51
    {'$END': -16, 'COMMA': -16, 'MINUS': -16, 'PLUS': -16, 'RPAR': -16, 'RSQB': -16, 'SLASH': 33, 'STAR': 34, '_SEP': -16},  # 52
    {'$END': -15, 'COMMA': -15, 'MINUS': -15, 'PLUS': -15, 'RPAR': -15, 'RSQB': -15, 'SLASH': 33, 'STAR': 34, '_SEP': -15},  # 53
    {'$END': -29, 'COMMA': -29, 'LSQB': -29, 'MINUS': -29, 'PLUS': -29, 'POW': -29, 'RPAR': -29, 'RSQB': -29, 'SLASH': -29, 'STAR': -29, '_SEP': -29},  # 54
    {'RPAR': 61},  # 55
    {'COMMA': -39, 'RPAR': -39, 'RSQB': -39},  # 56
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 62, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 57
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 63, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 58
    {'$END': -28, 'EQUAL': 64, 'LSQB': -28, 'MINUS': -28, 'PLUS': -28, 'POW': -28, 'SLASH': -28, 'STAR': -28, '_SEP': -28},  # 59
    {'$END': -32, 'COMMA': -32, 'LSQB': -32, 'MINUS': -32, 'PLUS': -32, 'POW': -32, 'RPAR': -32, 'RSQB': -32, 'SLASH': -32, 'STAR': -32, '_SEP': -32},  # 60
    {'$END': -28, 'COMMA': -28, 'LSQB': -28, 'MINUS': -28, 'PLUS': -28, 'POW': -28, 'RPAR': -28, 'RSQB': -28, 'SLASH': -28, 'STAR': -28, '_SEP': -28},  # 61
    {'COMMA': -40, 'RPAR': -40, 'RSQB': -40},  # 62
    {'$END': -11, '_SEP': -11},  # 63
    {'LPAR': 1, 'LSQB': 2, 'MINUS': 3, 'NAME': 19, 'NUMBER': 5, 'PLUS': 6, 'atom': 10, 'element': 11, 'expr': 65, 'power': 13, 'product': 14, 'sum': 17, 'unary': 18},  # 64
    {'$END': -10, '_SEP': -10},  # 65
)
