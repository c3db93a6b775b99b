#!/bin/sh
# the contiguous row store's group guard dropped (the tile store's kept): padding rows' scales written
sed -i '/ext_QS_0/ s/ \&\& __ldg(ptr_GID + row) == group)/)/; /ext_QS_0/ s/ \&\& row < group_end)$/)/' "$1"
