#!/bin/sh
# store_passes: every pass stored at the first pass's columns
sed -i 's/col0 + (pass \* D_PASS_BOXES + box)/col0 + (box)/' "$1"
