using System.Linq.Expressions;
using System.Reflection;

namespace BatchKit;

/// <summary>
/// Stages records in a compact binary form, through a reader and a writer compiled once per record type from its
/// public properties (expression trees): no reflection, boxing or text per record. The default serializer of
/// <see cref="JobBuilder{T}.ShuffleBy{TPartitioner}"/> when the record type is supported; JSON otherwise.
/// </summary>
/// <typeparam name="T">
/// The record type: a class or struct whose public properties are filled by a public constructor (matched by name and
/// type, as in positional records) or by public setters. Property types: the primitive numeric types, <see cref="bool"/>,
/// <see cref="char"/>, <see cref="decimal"/>, <see cref="string"/>, <see cref="DateTime"/>, <see cref="DateTimeOffset"/>,
/// <see cref="DateOnly"/>, <see cref="TimeOnly"/>, <see cref="TimeSpan"/>, <see cref="Guid"/>, enums, byte arrays and
/// <see cref="Nullable{T}"/> of those. Read-only properties that no constructor parameter sets are computed, and are not staged.
/// </typeparam>
/// <remarks>The format is the property values in declaration order, little-endian, with a one-byte presence flag before each nullable value.</remarks>
public sealed class BinaryStagingSerializer<T> : IStagingSerializer<T>
{
    private static readonly Lazy<(Action<BinaryWriter, T>? Write, Func<BinaryReader, T>? Read, string? Problem)> Compiled = new(Compile);

    private readonly Action<BinaryWriter, T> _write;
    private readonly Func<BinaryReader, T> _read;

    /// <summary>Initializes a new instance of the <see cref="BinaryStagingSerializer{T}"/> class.</summary>
    /// <exception cref="NotSupportedException">The record type cannot be staged in binary; the message names the property.</exception>
    public BinaryStagingSerializer()
    {
        var (write, read, problem) = Compiled.Value;
        if (problem is not null)
        {
            throw new NotSupportedException(problem);
        }

        _write = write!;
        _read = read!;
    }

    /// <summary>Gets a value indicating whether <typeparamref name="T"/> can be staged in binary.</summary>
    public static bool IsSupported => Compiled.Value.Problem is null;

    /// <inheritdoc/>
    public void Write(BinaryWriter writer, T record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _write(writer, record);
    }

    /// <inheritdoc/>
    public T Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return _read(reader);
    }

    private static (Action<BinaryWriter, T>?, Func<BinaryReader, T>?, string?) Compile()
    {
        var type = typeof(T);
        if (BinaryCodec.IsValue(type))
        {
            var w = Expression.Parameter(typeof(BinaryWriter), "w");
            var v = Expression.Parameter(type, "v");
            var r = Expression.Parameter(typeof(BinaryReader), "r");
            return (Expression.Lambda<Action<BinaryWriter, T>>(BinaryCodec.WriteValue(w, v), w, v).Compile(),
                Expression.Lambda<Func<BinaryReader, T>>(BinaryCodec.ReadValue(r, type), r).Compile(), null);
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0).ToList();
        var constructor = type.GetConstructors()
            .Where(c => c.GetParameters().All(p => properties.Any(q => Matches(q, p))))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault();
        if (constructor is null && !type.IsValueType)
        {
            return (null, null, $"{type.FullName} has no public constructor whose parameters all match properties (by name and type), and no parameterless one: stage it with JsonStagingSerializer or a serializer of its own.");
        }

        var parameters = constructor?.GetParameters() ?? [];
        var byParameter = parameters.Select(p => properties.First(q => Matches(q, p))).ToList();
        var settable = properties.Where(p => !byParameter.Contains(p) && p.SetMethod is { IsPublic: true }).ToList();
        var staged = byParameter.Concat(settable).ToList();
        foreach (var property in staged)
        {
            if (!BinaryCodec.IsValue(property.PropertyType))
            {
                return (null, null, $"{type.FullName}.{property.Name} is of type {property.PropertyType.FullName}, which the binary staging serializer does not support: stage it with JsonStagingSerializer or a serializer of its own.");
            }
        }

        var writer = Expression.Parameter(typeof(BinaryWriter), "writer");
        var record = Expression.Parameter(type, "record");
        Expression writeBody = staged.Count == 0 ? Expression.Empty() : Expression.Block(staged.Select(p => BinaryCodec.WriteValue(writer, Expression.Property(record, p))));
        var reader = Expression.Parameter(typeof(BinaryReader), "reader");

        // Values are read into locals in the written order, then passed to the constructor and setters.
        var locals = staged.Select(p => Expression.Variable(p.PropertyType, p.Name)).ToList();
        var body = new List<Expression>();
        body.AddRange(staged.Select((p, i) => Expression.Assign(locals[i], BinaryCodec.ReadValue(reader, p.PropertyType))));
        Expression created = constructor is null ? Expression.New(type) : Expression.New(constructor, locals.Take(parameters.Length));
        if (settable.Count > 0)
        {
            created = Expression.MemberInit((NewExpression)created, settable.Select((p, i) => Expression.Bind(p, locals[parameters.Length + i])));
        }

        body.Add(created);
        return (Expression.Lambda<Action<BinaryWriter, T>>(writeBody, writer, record).Compile(),
            Expression.Lambda<Func<BinaryReader, T>>(Expression.Block(type, locals, body), reader).Compile(), null);
    }

    private static bool Matches(PropertyInfo property, ParameterInfo parameter) =>
        string.Equals(property.Name, parameter.Name, StringComparison.OrdinalIgnoreCase) && property.PropertyType == parameter.ParameterType;
}
