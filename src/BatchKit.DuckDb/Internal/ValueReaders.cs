using System.Data.Common;

namespace BatchKit.DuckDb.Internal;

/// <summary>Typed column reads used by compiled record readers.</summary>
internal static class ValueReaders
{
    /// <summary>Reads a non-nullable value type or a reference type.</summary>
    public static TValue Read<TValue>(DbDataReader reader, int ordinal, string column, bool notNull)
    {
        if (reader.IsDBNull(ordinal))
        {
            return notNull
                ? throw new InvalidDataException($"Column '{column}' is NULL, but it maps to a property of non-nullable type {typeof(TValue).Name}.")
                : default!;
        }

        return reader.GetFieldValue<TValue>(ordinal);
    }

    /// <summary>Reads a nullable value type.</summary>
    public static TValue? ReadNullable<TValue>(DbDataReader reader, int ordinal, string column, bool notNull)
        where TValue : struct
    {
        _ = column;
        _ = notNull;
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<TValue>(ordinal);
    }
}
