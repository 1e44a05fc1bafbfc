// MapGrid: many small maps composed into one labelled image — rows are methods or pruning levels,
// columns are chosen bands — each map normalized on its own, coloured, enlarged by nearest neighbour,
// with row and column labels in the built-in bitmap font.

/// One map to place in a grid: `width × height` values, row-major.
public struct MapTile: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) throws(AttributionError) {
        guard width > 0, height > 0, values.count == width * height else {
            throw .shapeMismatch("a \(width)×\(height) tile needs \(width * height) values, got \(values.count)")
        }
        self.width = width
        self.height = height
        self.values = values
    }
}

/// A labelled grid of maps.
public struct MapGrid: Sendable {
    public var rowLabels: [String]
    public var columnLabels: [String]
    /// tiles[row][column].
    public var tiles: [[MapTile]]

    /// A grid; every row needs one tile per column label.
    public init(rowLabels: [String], columnLabels: [String], tiles: [[MapTile]]) throws(AttributionError) {
        guard !rowLabels.isEmpty, !columnLabels.isEmpty else { throw .invalidArgument("a grid needs at least one row and one column") }
        guard tiles.count == rowLabels.count else {
            throw .shapeMismatch("\(rowLabels.count) row labels but \(tiles.count) rows of tiles")
        }
        if let bad = tiles.firstIndex(where: { $0.count != columnLabels.count }) {
            throw .shapeMismatch("row \(bad) (\(rowLabels[bad])) has \(tiles[bad].count) tiles for \(columnLabels.count) columns")
        }
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.tiles = tiles
    }

    /// A grid of attribution maps: row r shows sample `sample` of `rows[r].maps` at every band in `bands`
    /// (columns labelled "B<band>"); single-channel maps (visual backprop) repeat in every column.
    public static func bands(_ rows: [(label: String, maps: Attributions)], sample: Int, bands: [Int]) throws(AttributionError) -> MapGrid {
        var tiles: [[MapTile]] = []
        for row in rows {
            let shape = row.maps.values.shape
            guard shape.count == 4 else { throw .shapeMismatch("attributions must be [N, P, P, B], got \(shape)") }
            guard sample >= 0, sample < shape[0] else {
                throw .invalidArgument("sample \(sample) is outside the \(shape[0]) samples of \(row.label)")
            }
            if shape[3] > 1, let bad = bands.first(where: { $0 < 0 || $0 >= shape[3] }) {
                throw .invalidArgument("band \(bad) is outside the \(shape[3]) bands of \(row.label)")
            }
            var line: [MapTile] = []
            for band in bands {
                line.append(try MapTile(width: shape[2], height: shape[1], values: try row.maps.map(sample: sample, band: band)))
            }
            tiles.append(line)
        }
        return try MapGrid(rowLabels: rows.map(\.label), columnLabels: bands.map { "B\($0)" }, tiles: tiles)
    }

    /// A grid of activation maps: one row per spatial layer (flat layers are skipped), the channel
    /// average first and then the first `channels` channels (fewer where a layer has fewer).
    /// Layers of different sizes share the grid; each tile keeps its own size.
    public static func activations(_ maps: [LayerActivation], channels: Int) throws(AttributionError) -> MapGrid {
        guard channels >= 0 else { throw .invalidArgument("channels must be ≥ 0, got \(channels)") }
        let spatial = maps.filter(\.isSpatial)
        guard !spatial.isEmpty else { throw .invalidArgument("no spatial layer among \(maps.map(\.layer))") }
        let columns = ["MEAN"] + (0..<channels).map { "C\($0)" }
        var tiles: [[MapTile]] = []
        for layer in spatial {
            let (h, w, k) = (layer.channels.shape[0], layer.channels.shape[1], layer.channels.shape[2])
            var row = [try MapTile(width: w, height: h, values: layer.mean.scalars)]
            for c in 0..<channels {
                // A layer with fewer channels leaves its extra cells as a flat (all-zero) tile.
                row.append(try MapTile(width: w, height: h, values: c < k ? layer.channel(c) : [Float](repeating: 0, count: h * w)))
            }
            tiles.append(row)
        }
        return try MapGrid(rowLabels: spatial.map { $0.layer.uppercased() }, columnLabels: columns, tiles: tiles)
    }

    /// The grid as an image: each tile normalized on its own, coloured, enlarged `scale` times, `gap`
    /// pixels apart, on a white background with black labels.
    public func render(colormap: Colormap, normalization: MapNormalization = .robust, scale: Int = 16,
                       gap: Int = 4, font: BitmapFont = BitmapFont(scale: 2)) throws(AttributionError) -> RGBImage {
        guard scale >= 1, gap >= 0 else { throw .invalidArgument("grid scale must be ≥ 1 and gap ≥ 0, got \(scale) and \(gap)") }
        let cellWidth = tiles.flatMap { $0.map(\.width) }.max() ?? 1
        let cellHeight = tiles.flatMap { $0.map(\.height) }.max() ?? 1
        let (cw, ch) = (cellWidth * scale, cellHeight * scale)
        let labelWidth = (rowLabels.map { font.width(of: $0) }.max() ?? 0) + 2 * gap
        let columnWidth = max(cw, (columnLabels.map { font.width(of: $0) }.max() ?? 0))
        let top = font.height + 2 * gap
        let width = labelWidth + columnLabels.count * (columnWidth + gap) + gap
        let height = top + rowLabels.count * (ch + gap) + gap
        var image = RGBImage(width: width, height: height, background: .white)
        for (c, label) in columnLabels.enumerated() {
            let x = labelWidth + c * (columnWidth + gap) + (columnWidth - font.width(of: label)) / 2
            font.draw(label, on: &image, x: x, y: gap, color: .black)
        }
        for (r, label) in rowLabels.enumerated() {
            let y = top + r * (ch + gap)
            font.draw(label, on: &image, x: gap, y: y + (ch - font.height) / 2, color: .black)
            for (c, tile) in tiles[r].enumerated() {
                let rendered = try Heatmap.render(tile.values, width: tile.width, height: tile.height, colormap: colormap,
                                                  normalization: normalization, scale: scale)
                image.draw(rendered, x: labelWidth + c * (columnWidth + gap) + (columnWidth - cw) / 2, y: y)
            }
        }
        return image
    }
}
