namespace BatchKit.Parquet;

/// <summary>The part of a Parquet file one partition reads: a whole file, or a half-open range of its row groups.</summary>
/// <param name="Path">The file path.</param>
/// <param name="FirstRowGroup">The first row group, inclusive.</param>
/// <param name="EndRowGroup">The last row group, exclusive; <see langword="null"/> for every row group to the end of the file.</param>
public sealed record ParquetPartitionSlice(string Path, int FirstRowGroup, int? EndRowGroup);
