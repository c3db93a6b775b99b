# bars_summary.awk - the open issues' bars from a `run_all.sh bars` log (bars.log): per bar
# the median over the log's runs of the kernel time the benches report, the range, and
# whether the bar is met on this card. The benches print each runner's line, then its
# "kernel time" line (CUPTI); only the kernel-time numbers count (DeepGEMM's timer).
#   awk -f tests/gpu/bars_summary.awk bars.log
# Bars: issue 5 FP8 4096x7168x16384 >= 1450 TFLOPS and 4096x576x7168 >= 1.0x of per-tensor
# cuBLASLt; issue 6 contiguous FP8 4 x 8192 rows 6144x7168 >= 1400 TFLOPS (either form; by
# DeepGEMM's count of the work, every row of A, where the log has it: the bar is set
# from DeepGEMM's number, which counts so; the valid-row median is printed beside) and
# each of DeepGEMM's six masked anchors at or above its number in DESIGN.md (the bench's
# "x" ratio to it on the kernel-time line).

# the runs of `list` (space-separated numbers) into v[1..n], ascending; returns n
function sorted(list, v,    n, i, j, t) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++)                        # insertion sort: a few runs per bar
        for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
            t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
        }
    return n
}

function add(key, value) {
    runs[key] = runs[key] (runs[key] == "" ? "" : " ") value
}

function median(key,    v, n) {
    n = sorted(runs[key], v)
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}

# one bar: its median, range and verdict, or why it has no numbers
function bar(key, what, unit, fmt, limit,    v, n, m, line) {
    if (runs[key] == "") {
        printf "  %s: no kernel-time numbers in the log\n", what
        missing++
        return
    }
    n = sorted(runs[key], v)
    m = median(key)
    line = "  %s: " fmt "%s (" fmt ".." fmt ", %d runs): bar >= " fmt "%s: %s\n"
    printf line, what, m, unit, v[1], v[n], n, limit, unit, (m >= limit ? "met" : "NOT met")
    if (m < limit)
        unmet++
}

# a runner's line sets which numbers the next "kernel time" line holds
/^ +[0-9]+ +[0-9]+ +[0-9]+ +[a-z0-9-]+ / {
    shape = $1 "x" $2 "x" $3
    cur = ""
    if ($4 == "dgk-fp8-nt" && (shape == "4096x7168x16384" || shape == "4096x576x7168"))
        cur = shape
    next
}
/^ +kernel time / {
    if (cur == "4096x7168x16384")
        add("big", $4)
    else if (cur == "4096x576x7168")
        add("576", substr($5, 2))                   # "x1.007": cuBLASLt's time over ours
    cur = ""
    next
}
$1 == "masked" && $6 == "kernel" && $10 != "-" {    # an anchor: DeepGEMM's number beside
    split($3, rows, "/")
    add("masked-" $2 "x" rows[1] ":" $4 "x" $5, substr($11, 2))
    next
}
$1 == "contig" && $2 == 4 && $3 == 8192 && $4 == 6144 && $5 == 7168 {
    if ($6 != "kernel")
        form = $7 == "dgk-grouped-fp8-contig" ? "ids" : $7 == "dgk-grouped-fp8-contig-offsets" ? "offsets" : ""
    else if (form != "") {
        add("contig-" form, $9)
        if (match($0, /; [0-9.]+ TFLOPS as DeepGEMM counts/))   # logs since the bench printed it
            add("contig-" form "-dg", substr($0, RSTART + 2, RLENGTH - 2) + 0)
    }
    next
}

# the contiguous bar of one form: by DeepGEMM's count where the log has it
function contig(form, what,    title) {
    title = "contiguous FP8 4 x 8192 6144x7168, " what
    if (runs["contig-" form "-dg"] == "") {
        bar("contig-" form, title " (issue 6)", " TFLOPS", "%.1f", 1400)
        return
    }
    bar("contig-" form "-dg", title ", as DeepGEMM counts (issue 6)", " TFLOPS", "%.1f", 1400)
    printf "    (valid rows only: %.1f TFLOPS; DeepGEMM's tests count every row of A, padding included)\n",
           median("contig-" form)
}

END {
    print "bars (kernel time, median over the runs in the log):"
    bar("big", "FP8 4096x7168x16384 (issue 5)", " TFLOPS", "%.1f", 1450)
    bar("576", "FP8 4096x576x7168 vs per-tensor cuBLASLt (issue 5)", "x", "%.3f", 1.0)
    contig("ids", "group ids")
    contig("offsets", "group offsets")
    n = split("32x192:6144x7168 32x192:4096x2048 6x1024:6144x7168 6x1024:4096x2048 32x20:6144x7168 32x20:4096x2048",
              anchors, " ")
    for (i = 1; i <= n; i++) {
        split(anchors[i], a, ":")
        sub("x", " x ", a[1])
        bar("masked-" anchors[i], "masked FP8 " a[1] " rows " a[2] " vs DeepGEMM's table (issue 6)", "x", "%.3f", 1.0)
    }
    printf "bars: %d met, %d not met, %d without numbers\n", 4 + n - unmet - missing, unmet, missing
}
