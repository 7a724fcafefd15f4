using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace BatchKit.Benchmarks.Support;

/// <summary>
/// Columns that turn the median time of one operation into per-record figures. The number of records of an operation
/// is the benchmark's <c>N</c> parameter (every benchmark class here has one).
/// </summary>
public sealed class PerRecordColumn : IColumn
{
    private readonly Kind _kind;

    private PerRecordColumn(Kind kind) => _kind = kind;

    private enum Kind
    {
        NanosecondsPerRecord,
        RecordsPerSecond,
        OverheadPerRecord,
    }

    /// <summary>Median nanoseconds per record.</summary>
    public static IColumn NanosecondsPerRecord { get; } = new PerRecordColumn(Kind.NanosecondsPerRecord);

    /// <summary>Records per second at the median.</summary>
    public static IColumn RecordsPerSecond { get; } = new PerRecordColumn(Kind.RecordsPerSecond);

    /// <summary>(median − baseline median) / N: what the benchmark adds per record to the baseline of its group.</summary>
    public static IColumn OverheadPerRecord { get; } = new PerRecordColumn(Kind.OverheadPerRecord);

    public string Id => "PerRecord." + _kind;

    public string ColumnName => _kind switch
    {
        Kind.NanosecondsPerRecord => "ns/record",
        Kind.RecordsPerSecond => "records/s",
        _ => "Δ ns/record",
    };

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)_kind;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => _kind switch
    {
        Kind.NanosecondsPerRecord => "Median time per record (median of an operation / N)",
        Kind.RecordsPerSecond => "Records per second at the median (N / median of an operation)",
        _ => "(median - median of the baseline of the same parameters) / N, in ns per record",
    };

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var median = Median(summary, benchmarkCase);
        var records = Records(benchmarkCase);
        if (median is null || records <= 0)
        {
            return "-";
        }

        switch (_kind)
        {
            case Kind.NanosecondsPerRecord:
                return (median.Value / records).ToString("N2", CultureInfo.InvariantCulture);
            case Kind.RecordsPerSecond:
                return (records / (median.Value / 1e9)).ToString("N0", CultureInfo.InvariantCulture);
            default:
                var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmarkCase));
                var baselineMedian = baseline is null ? null : Median(summary, baseline);
                return baselineMedian is null || baseline == benchmarkCase
                    ? "-"
                    : ((median.Value - baselineMedian.Value) / records).ToString("N2", CultureInfo.InvariantCulture);
        }
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public override string ToString() => ColumnName;

    private static double? Median(Summary summary, BenchmarkCase benchmarkCase) => summary[benchmarkCase]?.ResultStatistics?.Median;

    private static double Records(BenchmarkCase benchmarkCase)
    {
        var value = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "N")?.Value;
        return value is null ? 0 : Convert.ToDouble(value, CultureInfo.InvariantCulture);
    }
}

/// <summary>The shared configuration: per-record columns and the memory diagnoser.</summary>
public sealed class PerRecordConfig : ManualConfig
{
    public PerRecordConfig()
    {
        AddColumn(PerRecordColumn.NanosecondsPerRecord, PerRecordColumn.RecordsPerSecond, PerRecordColumn.OverheadPerRecord);
        AddColumn(StatisticColumn.Median);
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
