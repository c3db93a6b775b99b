#!/bin/sh
# the row reductions' column mask dropped: columns past N folded in
sed -i 's/col0 + c + \([0-9]\) < \([A-Za-z0-9_]*\) ? /1 ? /g' "$1"
