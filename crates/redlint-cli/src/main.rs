fn main() {
    println!("redlint");
}
