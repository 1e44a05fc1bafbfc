// Suggestions: "did you mean" for misspelt keys, kinds, stage and variable names
// (Damerau-free Levenshtein distance, accepted when small relative to the word's length).

/// The closest candidate to `word`, if it is close enough to be a likely typo.
public func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
    var best: (name: String, distance: Int)?
    let w = Array(word.lowercased())
    for candidate in candidates {
        let d = editDistance(w, Array(candidate.lowercased()))
        if let current = best, d > current.distance || (d == current.distance && candidate >= current.name) {
            continue
        }
        best = (candidate, d)
    }
    guard let best else { return nil }
    let limit = max(1, min(3, (max(word.count, best.name.count) + 2) / 3))
    return best.distance <= limit && best.distance < max(word.count, 1) ? best.name : nil
}

/// ` (did you mean 'x'?)` or empty.
func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String {
    suggestion(for: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
}

/// Levenshtein distance between two character arrays.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
