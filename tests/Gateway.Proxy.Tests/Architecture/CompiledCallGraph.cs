using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Gateway.Proxy.Tests.Architecture;

/// <summary>
/// What an assembly's compiled code calls, read from its IL: every method body's <c>call</c>, <c>callvirt</c>,
/// <c>newobj</c> and <c>ldftn</c>, each as the callee's declaring type and name. Rules over it check what code does, not
/// what it is named: a method reaches a callee when it calls it, or calls a method of the same assembly that reaches it
/// (compiler-generated state machines and lambdas count as part of the method they were written in).
/// </summary>
internal sealed class CompiledCallGraph
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(static field => (OpCode)field.GetValue(null)!)
        .ToDictionary(static code => code.Value);

    private readonly Dictionary<string, List<Method>> _byType = new(StringComparer.Ordinal);

    private CompiledCallGraph(IReadOnlyList<Method> methods)
    {
        Methods = methods;
        foreach (var method in methods)
        {
            if (!_byType.TryGetValue(method.Type, out var list))
            {
                _byType[method.Type] = list = [];
            }

            list.Add(method);
        }
    }

    /// <summary>The assembly's methods with a body.</summary>
    public IReadOnlyList<Method> Methods { get; }

    /// <summary>Reads <paramref name="assembly"/>'s file.</summary>
    public static CompiledCallGraph Of(Assembly assembly)
    {
        using var stream = File.OpenRead(assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var methods = new List<Method>();
        var calls = new Calls(reader);
        var implementers = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var typeHandle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(typeHandle);
            var typeName = FullName(reader, typeHandle);
            foreach (var implemented in type.GetInterfaceImplementations())
            {
                var name = TypeNameOf(reader, reader.GetInterfaceImplementation(implemented).Interface);
                if (!implementers.TryGetValue(name, out var list))
                {
                    implementers[name] = list = [];
                }

                list.Add(typeName);
            }

            foreach (var methodHandle in type.GetMethods())
            {
                var definition = reader.GetMethodDefinition(methodHandle);
                var method = new Method(typeName, reader.GetString(definition.Name));
                calls.Add(methodHandle, method);
                methods.Add(method);
            }
        }

        foreach (var (handle, method) in calls.Definitions)
        {
            var definition = reader.GetMethodDefinition(handle);
            if (definition.RelativeVirtualAddress != 0)
            {
                ReadCalls(pe.GetMethodBody(definition.RelativeVirtualAddress), method, calls);
            }
        }

        // A call of an interface's method may run any implementation of it in the assembly.
        foreach (var method in methods)
        {
            foreach (var called in method.Internal.ToList())
            {
                foreach (var implementer in implementers.GetValueOrDefault(called.Type) ?? [])
                {
                    method.Internal.UnionWith(calls.Named(implementer, called.Name));
                }
            }
        }

        return new CompiledCallGraph(methods);
    }

    /// <summary>
    /// The external calls <paramref name="root"/> reaches that <paramref name="isTarget"/> picks, each with the path of the
    /// assembly's methods that leads to it; <paramref name="follow"/> says which of the assembly's methods are walked into.
    /// </summary>
    public IEnumerable<(Callee Callee, IReadOnlyList<Method> Path)> Reaches(Method root, Func<Callee, bool> isTarget, Func<Method, bool> follow)
    {
        var seen = new HashSet<Method>();
        var queue = new Queue<(Method Method, ImmutableList<Method> Path)>();
        foreach (var part in PartsOf(root))
        {
            seen.Add(part);
            queue.Enqueue((part, [root]));
        }

        while (queue.TryDequeue(out var item))
        {
            foreach (var callee in item.Method.Callees)
            {
                if (isTarget(callee))
                {
                    yield return (callee, item.Path);
                }
            }

            foreach (var next in item.Method.Internal.SelectMany(PartsOf))
            {
                if (follow(next) && seen.Add(next))
                {
                    queue.Enqueue((next, item.Path.Add(next)));
                }
            }
        }
    }

    /// <summary>The method and the compiler-generated methods written inside it (its state machine, its lambdas).</summary>
    private IEnumerable<Method> PartsOf(Method method)
    {
        yield return method;
        var inner = "<" + method.Name + ">";
        foreach (var (type, methods) in _byType)
        {
            if (type.StartsWith(method.Type + "+", StringComparison.Ordinal))
            {
                foreach (var part in methods)
                {
                    if (type.Contains(inner, StringComparison.Ordinal) || part.Name.Contains(inner, StringComparison.Ordinal))
                    {
                        yield return part;
                    }
                }
            }
        }
    }

    private static void ReadCalls(MethodBodyBlock body, Method method, Calls calls)
    {
        var il = body.GetILReader();
        while (il.RemainingBytes > 0)
        {
            var first = il.ReadByte();
            var value = first == 0xFE ? (short)(0xFE00 | il.ReadByte()) : first;
            var code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineMethod:
                    calls.Resolve(MetadataTokens.EntityHandle(il.ReadInt32()), method);
                    break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineField or OperandType.InlineI or OperandType.InlineSig
                    or OperandType.InlineString or OperandType.InlineTok or OperandType.InlineType or OperandType.ShortInlineR:
                    il.Offset += 4;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
            }
        }
    }

    private static string TypeNameOf(MetadataReader reader, EntityHandle handle) => handle.Kind switch
    {
        HandleKind.TypeReference => FullName(reader, (TypeReferenceHandle)handle),
        HandleKind.TypeDefinition => FullName(reader, (TypeDefinitionHandle)handle),
        HandleKind.TypeSpecification => GenericTypeOf(reader, (TypeSpecificationHandle)handle),
        _ => string.Empty,
    };

    /// <summary>The generic type a type specification instantiates (<c>List`1</c> of <c>List&lt;int&gt;</c>).</summary>
    private static string GenericTypeOf(MetadataReader reader, TypeSpecificationHandle handle)
    {
        var blob = reader.GetBlobReader(reader.GetTypeSpecification(handle).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return string.Empty;
        }

        blob.ReadSignatureTypeCode();
        return TypeNameOf(reader, blob.ReadTypeHandle());
    }

    private static string FullName(MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        var name = reader.GetString(type.Name);
        return type.ResolutionScope.Kind == HandleKind.TypeReference
            ? FullName(reader, (TypeReferenceHandle)type.ResolutionScope) + "+" + name
            : Qualified(reader.GetString(type.Namespace), name);
    }

    private static string FullName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        return declaring.IsNil ? Qualified(reader.GetString(type.Namespace), name) : FullName(reader, declaring) + "+" + name;
    }

    private static string Qualified(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;

    /// <summary>The assembly's methods by handle and by type and name, and the resolution of a call's token to them.</summary>
    private sealed class Calls(MetadataReader reader)
    {
        private readonly Dictionary<(string Type, string Name), List<Method>> _byName = [];

        public Dictionary<MethodDefinitionHandle, Method> Definitions { get; } = [];

        public void Add(MethodDefinitionHandle handle, Method method)
        {
            Definitions[handle] = method;
            if (!_byName.TryGetValue((method.Type, method.Name), out var list))
            {
                _byName[(method.Type, method.Name)] = list = [];
            }

            list.Add(method);
        }

        /// <summary>The methods of <paramref name="type"/> named <paramref name="name"/> (or implementing it explicitly).</summary>
        public IEnumerable<Method> Named(string type, string name) =>
            _byName.Where(pair => pair.Key.Type == type && (pair.Key.Name == name || pair.Key.Name.EndsWith("." + name, StringComparison.Ordinal)))
                .SelectMany(static pair => pair.Value);

        /// <summary>Adds the callee a call's token names to <paramref name="method"/>: the method itself when it is the assembly's.</summary>
        public void Resolve(EntityHandle handle, Method method)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    var definition = Definitions[(MethodDefinitionHandle)handle];
                    method.Internal.Add(definition);
                    method.Callees.Add(new Callee(definition.Type, definition.Name));
                    break;
                case HandleKind.MethodSpecification:
                    Resolve(reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method, method);
                    break;
                case HandleKind.MemberReference:
                    var member = reader.GetMemberReference((MemberReferenceHandle)handle);
                    var callee = new Callee(TypeNameOf(reader, member.Parent), reader.GetString(member.Name));
                    method.Callees.Add(callee);

                    // A method of one of the assembly's generic types is called through a reference to its instantiation.
                    method.Internal.UnionWith(_byName.GetValueOrDefault((callee.Type, callee.Name)) ?? []);
                    break;
            }
        }
    }

    /// <summary>A method of the assembly read: its declaring type's full name (nested types joined by <c>+</c>) and name.</summary>
    internal sealed class Method(string type, string name)
    {
        public string Type { get; } = type;

        public string Name { get; } = name;

        /// <summary>The namespace of the outermost declaring type.</summary>
        public string Namespace => Type.Split('+')[0] is var outer && outer.LastIndexOf('.') is var dot and >= 0 ? outer[..dot] : string.Empty;

        /// <summary>Every method it calls, its own assembly's and others'.</summary>
        public HashSet<Callee> Callees { get; } = [];

        /// <summary>The methods of its own assembly it calls.</summary>
        public HashSet<Method> Internal { get; } = [];

        public override string ToString() => Type + "." + Name;
    }

    /// <summary>A method of another assembly, as called: its declaring type's full name and its name.</summary>
    internal readonly record struct Callee(string Type, string Name)
    {
        public override string ToString() => Type + "." + Name;
    }
}
