using Microsoft.Extensions.Options;

namespace BatchKit;

/// <summary>The data-annotation checks of <see cref="SqliteCheckpointStoreOptions"/>, generated at compile time.</summary>
[OptionsValidator]
internal sealed partial class GeneratedSqliteCheckpointStoreOptionsValidator : IValidateOptions<SqliteCheckpointStoreOptions>;
