using Gateway.Store.Resp;

namespace Gateway.Store.Tests;

/// <summary>Builds raw commands for client tests.</summary>
internal static class RespTestCommands
{
    public static RespCommand Of(params string[] parts)
    {
        var arguments = new RespArguments();
        foreach (var part in parts)
        {
            arguments.Add(part);
        }

        return RespCommand.Create(arguments);
    }

    public static RespCommand Of(string name, string key, byte[] value) =>
        RespCommand.Create(new RespArguments().Add(name).Add(key).Add(value));
}
