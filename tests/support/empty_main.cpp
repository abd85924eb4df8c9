// test_headers_alone passes by compiling: each of its other sources includes one public header.
int main() { return 0; }
