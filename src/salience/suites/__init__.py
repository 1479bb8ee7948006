"""The paper reproductions, one module per suite (``salience reproduce NAME``)."""
