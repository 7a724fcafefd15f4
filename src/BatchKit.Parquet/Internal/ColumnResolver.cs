using BatchKit.Shared;
using Parquet.Schema;

namespace BatchKit.Parquet.Internal;

/// <summary>Finds the columns a materializer needs in a file's schema and checks their types.</summary>
internal static class ColumnResolver
{
    /// <summary>Creates a column reader for each request, or throws one exception describing every mismatch.</summary>
    public static ColumnReader[] Resolve(ParquetSchema schema, string filePath, IReadOnlyList<ColumnRequest> requests)
    {
        var fields = schema.Fields.OfType<DataField>().ToList();
        var names = fields.ConvertAll(f => f.Name);
        var readers = new ColumnReader[requests.Count];
        var problems = new List<(string Column, string Expected, string Found, string Text)>();
        for (var k = 0; k < requests.Count; k++)
        {
            var request = requests[k];
            var expected = ColumnTypes.Name(request.ClrType);
            var (index, ambiguous) = ColumnMatcher.Find(request.Naming, names, request.Name, request.Explicit ? request.Name : null);
            if (ambiguous is var (first, second))
            {
                throw new ParquetSchemaException(
                    $"Parquet file '{filePath}': the columns '{names[first]}' and '{names[second]}' both match {request.Target} under ColumnNaming.{request.Naming}; " +
                    "name its column with ParquetRecordMap.Map, or rename one of the columns.")
                {
                    IsTransient = false,
                    FilePath = filePath,
                    ColumnName = names[first],
                };
            }

            var field = index < 0 ? null : fields[index];
            if (field is null)
            {
                var column = ColumnMatcher.Describe(request.Naming, request.Name, request.Explicit ? request.Name : null);
                problems.Add((request.Name, expected, "missing",
                    $"column {column} for {request.Target}, of type {expected}, is missing; the file has columns " +
                    string.Join(", ", schema.Fields.Select(f => f.Name))));
                continue;
            }

            var reader = ColumnReader.TryCreate(request.ClrType, new ColumnScope(filePath, field, request.Target, request.RejectsNull));
            if (reader is null)
            {
                var found = ColumnTypes.Describe(field);
                problems.Add((field.Name, expected, found, $"column '{field.Name}' for {request.Target}: expected {expected}, found {found}"));
                continue;
            }

            readers[k] = reader;
        }

        if (problems.Count > 0)
        {
            throw new ParquetSchemaException($"Parquet file '{filePath}' does not match the mapping: {string.Join("; ", problems.Select(p => p.Text))}.")
            {
                IsTransient = false,
                FilePath = filePath,
                ColumnName = problems[0].Column,
                ExpectedType = problems[0].Expected,
                FoundType = problems[0].Found,
            };
        }

        return readers;
    }
}
