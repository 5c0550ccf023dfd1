using System.Runtime.InteropServices;

namespace Gateway.Proxy.Hosting;

/// <summary>The C library's heap: the free pages its arenas keep, given back to the system (glibc's <c>malloc_trim</c>).</summary>
internal static partial class NativeHeap
{
    /// <summary>Gives every arena's free pages back; false where the C library has no <c>malloc_trim</c> (not Linux, not glibc).</summary>
    /// <param name="released">Whether any memory was given back.</param>
    public static bool TryTrim(out bool released)
    {
        released = false;
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            released = MallocTrim(0) == 1;
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
