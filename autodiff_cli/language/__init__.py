"""The language: program text to statements (the grammar's LALR tables) and statements to a graph."""
