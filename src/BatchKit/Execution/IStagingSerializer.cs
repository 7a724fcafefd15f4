using System.Globalization;
using System.Text.Json;

namespace BatchKit;

/// <summary>Writes and reads records in the staging files of shuffled partitioning.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>Implementations must be thread-safe (one instance serves all partitions) and must read back exactly what they wrote.</remarks>
public interface IStagingSerializer<T>
{
    /// <summary>Writes one record.</summary>
    /// <param name="writer">The staging file.</param>
    /// <param name="record">The record.</param>
    void Write(BinaryWriter writer, T record);

    /// <summary>Reads one record written by <see cref="Write"/>.</summary>
    /// <param name="reader">The staging file.</param>
    /// <returns>The record.</returns>
    T Read(BinaryReader reader);
}
