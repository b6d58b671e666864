# Fields of "{b, c1, c2},": $2 = b, $3 = c1, $4 = c2. The first file is the
# tool's output, the second the table; every width of each must match the
# other's to a relative 1e-12.
function differ(a, b) {
  return (a - b) * (a - b) > 1e-24 * b * b
}
/^\{/ && NR == FNR { c1[$2] = $3; c2[$2] = $4; fitted++; next }
/^\{/ {
  listed++
  if (!($2 in c1) || differ($3, c1[$2]) || differ($4, c2[$2])) {
    print "coefficients for " $2 " bits differ: " $0
    bad = 1
  }
}
END {
  if (fitted == 0 || listed != fitted) {
    print "the table lists " listed " widths, the fit " fitted
    bad = 1
  }
  exit bad
}
