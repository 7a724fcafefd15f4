using System.Linq.Expressions;

namespace BatchKit.Parquet.Internal;

/// <summary>Compiles the loops that move values between records and typed column arrays, once per record type and map.</summary>
internal static class RecordCompiler
{
    public static RecordFiller<T> CompileFiller<T>(PropertyBindings<T> bindings)
    {
        if (bindings.ConstructorProblem is not null)
        {
            throw new InvalidOperationException(bindings.ConstructorProblem);
        }

        var columns = Expression.Parameter(typeof(object[]), "columns");
        var sourceRow = Expression.Parameter(typeof(int), "sourceRow");
        var destination = Expression.Parameter(typeof(T[]), "destination");
        var destinationIndex = Expression.Parameter(typeof(int), "destinationIndex");
        var count = Expression.Parameter(typeof(int), "count");
        var i = Expression.Variable(typeof(int), "i");
        var arrays = bindings.Read.Select((b, k) => Expression.Variable(b.Type.MakeArrayType(), "c" + k)).ToArray();

        var body = new List<Expression>();
        for (var k = 0; k < arrays.Length; k++)
        {
            body.Add(Expression.Assign(arrays[k], Expression.Convert(Expression.ArrayIndex(columns, Expression.Constant(k)), arrays[k].Type)));
        }

        var row = Expression.Add(sourceRow, i);
        var valueOf = bindings.Read
            .Select((b, k) => (b.Property, Value: (Expression)Expression.ArrayIndex(arrays[k], row)))
            .ToDictionary(x => x.Property.Name, x => x.Value, StringComparer.OrdinalIgnoreCase);

        Expression create;
        var consumed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (bindings.Constructor is null)
        {
            create = Expression.New(typeof(T));
        }
        else
        {
            var arguments = bindings.Constructor.GetParameters().Select(p =>
            {
                consumed.Add(p.Name!);
                return valueOf.TryGetValue(p.Name!, out var value) ? value : Expression.Default(p.ParameterType);
            });
            create = Expression.New(bindings.Constructor, arguments);
        }

        var assignments = bindings.Read
            .Where(b => !consumed.Contains(b.Property.Name))
            .Select(b => (MemberBinding)Expression.Bind(b.Property, valueOf[b.Property.Name]))
            .ToList();
        var record = assignments.Count == 0 ? create : Expression.MemberInit((NewExpression)create, assignments);

        var breakLabel = Expression.Label("done");
        body.Add(Expression.Assign(i, Expression.Constant(0)));
        body.Add(Expression.Loop(
            Expression.IfThenElse(
                Expression.LessThan(i, count),
                Expression.Block(
                    Expression.Assign(Expression.ArrayAccess(destination, Expression.Add(destinationIndex, i)), record),
                    Expression.PreIncrementAssign(i)),
                Expression.Break(breakLabel)),
            breakLabel));

        var block = Expression.Block([i, .. arrays], body);
        return Expression.Lambda<RecordFiller<T>>(block, columns, sourceRow, destination, destinationIndex, count).Compile();
    }

    public static ColumnExtractor<T> CompileExtractor<T>(IReadOnlyList<PropertyBinding> written)
    {
        var source = Expression.Parameter(typeof(T[]), "source");
        var sourceIndex = Expression.Parameter(typeof(int), "sourceIndex");
        var columns = Expression.Parameter(typeof(object[]), "columns");
        var columnIndex = Expression.Parameter(typeof(int), "columnIndex");
        var count = Expression.Parameter(typeof(int), "count");
        var i = Expression.Variable(typeof(int), "i");
        var record = Expression.Variable(typeof(T), "record");
        var arrays = written.Select((b, k) => Expression.Variable(b.Type.MakeArrayType(), "c" + k)).ToArray();

        var body = new List<Expression>();
        for (var k = 0; k < arrays.Length; k++)
        {
            body.Add(Expression.Assign(arrays[k], Expression.Convert(Expression.ArrayIndex(columns, Expression.Constant(k)), arrays[k].Type)));
        }

        var perRecord = new List<Expression> { Expression.Assign(record, Expression.ArrayIndex(source, Expression.Add(sourceIndex, i))) };
        if (!typeof(T).IsValueType)
        {
            perRecord.Add(Expression.IfThen(
                Expression.ReferenceEqual(record, Expression.Constant(null, typeof(T))),
                Expression.Throw(Expression.New(
                    typeof(ArgumentException).GetConstructor([typeof(string)])!,
                    Expression.Constant($"A null {typeof(T).Name} record was passed to a Parquet sink.")))));
        }

        for (var k = 0; k < arrays.Length; k++)
        {
            perRecord.Add(Expression.Assign(
                Expression.ArrayAccess(arrays[k], Expression.Add(columnIndex, i)),
                Expression.Property(record, written[k].Property)));
        }

        perRecord.Add(Expression.PreIncrementAssign(i));
        var breakLabel = Expression.Label("done");
        body.Add(Expression.Assign(i, Expression.Constant(0)));
        body.Add(Expression.Loop(
            Expression.IfThenElse(Expression.LessThan(i, count), Expression.Block(perRecord), Expression.Break(breakLabel)),
            breakLabel));

        var block = Expression.Block([i, record, .. arrays], body);
        return Expression.Lambda<ColumnExtractor<T>>(block, source, sourceIndex, columns, columnIndex, count).Compile();
    }
}
