namespace BatchKit;

/// <summary>Chooses the staging serializer of a record type when the job does not give one.</summary>
internal static class StagingSerializers
{
    public static IStagingSerializer<T> Default<T>() =>
        BinaryStagingSerializer<T>.IsSupported ? new BinaryStagingSerializer<T>() : new JsonStagingSerializer<T>();
}
