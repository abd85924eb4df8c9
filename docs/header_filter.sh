#!/bin/sh
# Doxygen INPUT_FILTER: the plain // block that opens every nnt header (before #pragma once)
# becomes that file's \file documentation. Line numbers are kept, so warnings point at the source.
exec awk '
  !done && /^\/\/ ?/ { sub(/^\/\//, "///"); print; n++; next }
  !done && /^#pragma once/ { print (n ? "/// \\file" : $0); done = 1; next }
  { print }
' "$1"
