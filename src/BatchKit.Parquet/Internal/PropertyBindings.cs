using System.Reflection;
using BatchKit.Shared;

namespace BatchKit.Parquet.Internal;

/// <summary>One mapped property of a record type.</summary>
internal sealed record PropertyBinding(PropertyInfo Property, string? ExplicitColumn, string WriteColumn)
{
    public Type Type => Property.PropertyType;

    public string ReadColumnDescription => ExplicitColumn ?? Property.Name;

    public string Describe(Type recordType) => $"property {recordType.Name}.{Property.Name}";
}

/// <summary>The resolved mapping of a record type: which properties are read, which written, and how records are built.</summary>
internal sealed class PropertyBindings<T>
{
    private RecordFiller<T>? _filler;
    private ColumnExtractor<T>? _extractor;

    private PropertyBindings(IReadOnlyList<PropertyBinding> read, IReadOnlyList<PropertyBinding> written, ConstructorInfo? constructor, string? constructorProblem, IReadOnlyList<PropertyBinding> unsupportedRead, IReadOnlyList<PropertyBinding> unsupportedWritten)
    {
        Read = read;
        Written = written;
        UnsupportedRead = unsupportedRead;
        UnsupportedWritten = unsupportedWritten;
        Constructor = constructor;
        ConstructorProblem = constructorProblem;
    }

    /// <summary>Gets the properties a source fills, in declaration order.</summary>
    public IReadOnlyList<PropertyBinding> Read { get; }

    /// <summary>Gets the properties a sink writes, in declaration order (the column order of written files).</summary>
    public IReadOnlyList<PropertyBinding> Written { get; }

    /// <summary>Gets the properties a source would have to fill but whose type is not supported (and that are not ignored).</summary>
    public IReadOnlyList<PropertyBinding> UnsupportedRead { get; }

    /// <summary>Gets the properties a sink would have to write but whose type is not supported (and that are not ignored).</summary>
    public IReadOnlyList<PropertyBinding> UnsupportedWritten { get; }

    /// <summary>Gets the constructor records are built with, or null for a struct's default constructor.</summary>
    public ConstructorInfo? Constructor { get; }

    /// <summary>Gets why records cannot be built, if they cannot.</summary>
    public string? ConstructorProblem { get; }

    public RecordFiller<T> Filler => _filler ??= RecordCompiler.CompileFiller<T>(this);

    public ColumnExtractor<T> Extractor => _extractor ??= RecordCompiler.CompileExtractor<T>(Written);

    public static PropertyBindings<T> Create(IReadOnlyDictionary<string, string> columns, IReadOnlySet<string> ignored, ColumnNaming naming)
    {
        var properties = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .ToList();
        foreach (var name in columns.Keys)
        {
            var property = properties.First(p => p.Name == name);
            if (!ColumnTypes.IsSupported(property.PropertyType))
            {
                throw new ArgumentException(
                    $"Property {typeof(T).Name}.{name} is mapped to column '{columns[name]}' but its type {ColumnTypes.Name(property.PropertyType)} is not supported; " +
                    $"supported types are {ColumnTypes.SupportedList}.");
            }
        }

        var all = properties
            .Where(p => !ignored.Contains(p.Name))
            .Select(p => new PropertyBinding(p, columns.GetValueOrDefault(p.Name), ColumnMatcher.WriteName(naming, p.Name, columns.GetValueOrDefault(p.Name))))
            .ToList();

        var constructor = ChooseConstructor(properties, out var problem);
        var constructorParameters = constructor?.GetParameters().Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
        var readable = all.Where(b => b.Property.SetMethod is { IsPublic: true } || constructorParameters.Contains(b.Property.Name)).ToList();
        var writable = all.Where(b => b.Property.GetMethod is { IsPublic: true }).ToList();
        return new PropertyBindings<T>(
            readable.Where(b => ColumnTypes.IsSupported(b.Type)).ToList(),
            writable.Where(b => ColumnTypes.IsSupported(b.Type)).ToList(),
            constructor,
            problem,
            readable.Where(b => !ColumnTypes.IsSupported(b.Type)).ToList(),
            writable.Where(b => !ColumnTypes.IsSupported(b.Type)).ToList());
    }

    /// <summary>
    /// Rejects a mapping that would silently lose properties: one whose type cannot be stored in a Parquet column.
    /// </summary>
    /// <param name="writing">Whether the mapping writes records (a sink) or reads them (a source).</param>
    /// <exception cref="ArgumentException">A property that is not ignored has an unsupported type.</exception>
    public void ThrowIfUnsupported(bool writing)
    {
        var unsupported = writing ? UnsupportedWritten : UnsupportedRead;
        if (unsupported.Count == 0)
        {
            return;
        }

        var verb = writing ? "written to" : "read from";
        var list = string.Join("; ", unsupported.Select(b =>
            $"property {typeof(T).Name}.{b.Property.Name} of type {ColumnTypes.Name(b.Type)} would be {verb} column '{(writing ? b.WriteColumn : b.ReadColumnDescription)}'"));
        throw new ArgumentException(
            $"{list}, but Parquet mapping does not support that type. Supported types are {ColumnTypes.SupportedList}; "
            + "exclude the property with ParquetRecordMap.Ignore, or expose it as a supported type (for example a string).");
    }

    private static ConstructorInfo? ChooseConstructor(List<PropertyInfo> properties, out string? problem)
    {
        problem = null;
        var constructors = typeof(T).GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        var parameterless = constructors.FirstOrDefault(c => c.GetParameters().Length == 0);
        if (parameterless is not null || typeof(T).IsValueType)
        {
            return parameterless;
        }

        var byName = properties.ToLookup(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var candidate = constructors
            .Where(c => c.GetParameters().All(p => byName[p.Name ?? string.Empty].Any(q => q.PropertyType == p.ParameterType)))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault();
        if (candidate is null)
        {
            problem = $"{typeof(T).Name} needs a public parameterless constructor, or a public constructor whose parameters have the names and types of its properties.";
        }

        return candidate;
    }
}

/// <summary>Builds <paramref name="count"/> records from typed column arrays.</summary>
internal delegate void RecordFiller<T>(object[] columns, int sourceRow, T[] destination, int destinationIndex, int count);

/// <summary>Copies the mapped properties of <paramref name="count"/> records into typed column arrays.</summary>
internal delegate void ColumnExtractor<T>(T[] source, int sourceIndex, object[] columns, int columnIndex, int count);
