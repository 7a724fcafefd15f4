using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace BatchKit.Benchmarks.Support;

/// <summary>Runs each benchmark once, with the first value of each parameter, and prints how long it took.</summary>
public static class Smoke
{
    public static async Task<int> RunAsync(Assembly assembly, string[] filter)
    {
        var types = assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            .Where(t => filter.Length == 0 || filter.Any(f => t.Name.Contains(f, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        foreach (var type in types)
        {
            var instance = Activator.CreateInstance(type)!;
            foreach (var property in type.GetProperties())
            {
                var value = property.GetCustomAttribute<ParamsAttribute>()?.Values[0]
                    ?? (property.GetCustomAttribute<ParamsSourceAttribute>() is { } source
                        ? ((System.Collections.IEnumerable)type.GetProperty(source.Name)!.GetValue(null)!).Cast<object>().First()
                        : null);
                if (value is not null)
                {
                    property.SetValue(instance, value);
                }
            }

            var watch = Stopwatch.StartNew();
            Invoke<GlobalSetupAttribute>(type, instance);
            Console.WriteLine($"{type.Name}: setup {watch.Elapsed.TotalMilliseconds:F0} ms");
            foreach (var method in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
            {
                Invoke<IterationSetupAttribute>(type, instance, method.Name);
                watch.Restart();
                var result = method.Invoke(instance, null);
                if (result is Task task)
                {
                    await task;
                }

                Console.WriteLine($"  {method.Name}: {watch.Elapsed.TotalMilliseconds:F1} ms");
                Invoke<IterationCleanupAttribute>(type, instance, method.Name);
            }

            Invoke<GlobalCleanupAttribute>(type, instance);
        }

        return 0;
    }

    private static void Invoke<TAttribute>(Type type, object instance, string? benchmark = null)
        where TAttribute : TargetedAttribute
    {
        foreach (var method in type.GetMethods())
        {
            var attribute = method.GetCustomAttribute<TAttribute>();
            if (attribute is not null && (attribute.Targets is null || attribute.Targets.Length == 0 || benchmark is null || attribute.Targets.Contains(benchmark)))
            {
                method.Invoke(instance, null);
            }
        }
    }
}
