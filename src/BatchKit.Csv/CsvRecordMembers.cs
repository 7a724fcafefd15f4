using System.Reflection;
using BatchKit.Shared;

namespace BatchKit.Csv;

/// <summary>Finds the properties and the constructor a record type is read and written through.</summary>
internal static class CsvRecordMembers
{
    /// <summary>Returns the public readable properties of a type, in declaration order: the columns it is written as.</summary>
    public static IReadOnlyList<PropertyInfo> Readable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken)
            .ToArray();

    /// <summary>
    /// Returns the constructor records are created with: the public parameterless one if there is one, otherwise the
    /// public constructor with the most parameters (a positional record's primary constructor).
    /// </summary>
    public static ConstructorInfo Constructor(Type type)
    {
        var constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        return constructors.FirstOrDefault(c => c.GetParameters().Length == 0)
            ?? constructors.OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new ArgumentException($"The record type '{type.Name}' has no public constructor.", nameof(type));
    }

    /// <summary>Returns the column name a property is written under: its override, or the policy's name.</summary>
    public static string ColumnName(string propertyName, IDictionary<string, string> columnNames, ColumnNaming naming) =>
        ColumnMatcher.WriteName(naming, propertyName, columnNames.TryGetValue(propertyName, out var name) ? name : null);

    /// <summary>Tells whether a property or parameter of type string is annotated as nullable.</summary>
    public static bool IsNullableReference(PropertyInfo? property, ParameterInfo? parameter)
    {
        var context = new NullabilityInfoContext();
        var info = parameter is not null ? context.Create(parameter) : context.Create(property!);
        return info.WriteState == NullabilityState.Nullable || info.ReadState == NullabilityState.Nullable;
    }

    /// <summary>Returns a readable name of a value type, such as <c>Int32</c> or <c>Decimal (or empty)</c>.</summary>
    public static string Describe(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        return underlying is null ? type.Name : underlying.Name + " (or empty)";
    }
}
