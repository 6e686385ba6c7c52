// Placeholder until the server front end lands.
int main() { return 1; }
