using BatchKit.Tests.Support;

namespace BatchKit.Tests.Execution;

public sealed class BinaryStagingSerializerTests
{
    public enum Color : short
    {
        Red = 1,
        Blue = -7,
    }

    public sealed record Everything(
        bool Flag, byte B, sbyte Sb, short S, ushort Us, int I, uint Ui, long L, ulong Ul, float F, double D, decimal M, char C,
        string? Text, byte[]? Bytes, DateTime When, DateTimeOffset At, DateOnly Day, TimeOnly Time, TimeSpan Span, Guid Id, Color Color,
        int? MaybeInt, DateOnly? MaybeDay, Color? MaybeColor)
    {
        public string Computed => Text + "!"; // read-only and not set by the constructor: not staged
    }

    public sealed class Settable
    {
        public long Id { get; set; }

        public string? Name { get; init; }
    }

    public sealed class Unsupported(long id, List<int> values)
    {
        public long Id { get; } = id;

        public List<int> Values { get; } = values;
    }

    [Fact]
    public void WriteThenRead_EverySupportedType_RoundTrips()
    {
        var full = new Everything(
            true, 200, -5, -300, 60000, int.MinValue, uint.MaxValue, long.MinValue, ulong.MaxValue, 1.5f, Math.PI, 12345.6789m, 'é',
            "naïve ✓", [1, 2, 3], new DateTime(2026, 11, 22, 13, 14, 15, DateTimeKind.Utc), new DateTimeOffset(2026, 11, 22, 1, 2, 3, TimeSpan.FromHours(-5)),
            new DateOnly(2026, 11, 22), new TimeOnly(23, 59, 58), TimeSpan.FromMilliseconds(1234), Guid.NewGuid(), Color.Blue, 42, new DateOnly(1999, 1, 1), Color.Red);
        var empty = full with { Text = null, Bytes = null, MaybeInt = null, MaybeDay = null, MaybeColor = null, When = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Local) };

        var back = RoundTrip(new BinaryStagingSerializer<Everything>(), full, empty, full with { Text = string.Empty, Bytes = [] });

        back[0].Should().BeEquivalentTo(full);
        back[0].Bytes.Should().Equal(1, 2, 3);
        back[1].Should().BeEquivalentTo(empty);
        back[1].When.Kind.Should().Be(DateTimeKind.Local);
        back[2].Text.Should().BeEmpty();
        back[2].Bytes.Should().BeEmpty();
    }

    [Fact]
    public void WriteThenRead_SettablePropertiesAndPrimitives_RoundTrip()
    {
        var back = RoundTrip(new BinaryStagingSerializer<Settable>(), new Settable { Id = 7, Name = "seven" }, new Settable { Id = -1 });

        back.Select(s => (s.Id, s.Name)).Should().Equal((7L, "seven"), (-1L, null));
        RoundTrip(new BinaryStagingSerializer<long>(), 1L, long.MaxValue).Should().Equal(1L, long.MaxValue);
        RoundTrip(new BinaryStagingSerializer<Item>(), new Item(1, "a", 2)).Should().Equal(new Item(1, "a", 2));
    }

    [Fact]
    public void Constructor_UnsupportedPropertyType_NamesTheProperty()
    {
        BinaryStagingSerializer<Unsupported>.IsSupported.Should().BeFalse();
        var act = () => new BinaryStagingSerializer<Unsupported>();

        act.Should().Throw<NotSupportedException>().WithMessage("*Unsupported.Values*List*JsonStagingSerializer*");
    }

    private static List<T> RoundTrip<T>(IStagingSerializer<T> serializer, params T[] records)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            foreach (var record in records)
            {
                serializer.Write(writer, record);
            }
        }

        memory.Position = 0;
        using var reader = new BinaryReader(memory);
        var back = records.Select(_ => serializer.Read(reader)).ToList();
        memory.Position.Should().Be(memory.Length, "every byte written is read back");
        return back;
    }
}
