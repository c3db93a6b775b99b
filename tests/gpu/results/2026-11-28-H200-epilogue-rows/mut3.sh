#!/bin/sh
# the row vector store's row bound dropped
sed -i 's/if (row < dgk_m/if (1 || row < dgk_m/' "$1"
