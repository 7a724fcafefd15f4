using System.Text;

namespace BatchKit;

/// <summary>Hash functions that give the same value in every process and on every platform (unlike <see cref="string.GetHashCode()"/>).</summary>
internal static class StableHash
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>FNV-1a over the UTF-8 bytes of <paramref name="value"/>.</summary>
    public static ulong Fnv1a(string value)
    {
        var hash = FnvOffset;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = value.Length * 3 <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(value, buffer)] : Encoding.UTF8.GetBytes(value);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return hash;
    }

    /// <summary>The non-negative remainder of <paramref name="value"/> divided by <paramref name="count"/>.</summary>
    public static int Modulo(long value, int count)
    {
        var r = (int)(value % count);
        return r < 0 ? r + count : r;
    }
}
