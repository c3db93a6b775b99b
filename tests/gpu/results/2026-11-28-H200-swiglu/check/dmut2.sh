#!/bin/sh
# two accumulators: the epilogue's acc2 read from the first accumulator's value
sed -i 's/ + INST_N \/ 4\]/]/g' "$1"
