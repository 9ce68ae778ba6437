//! Lessons 1–5 of the seed: remote execution, two workers, remote arithmetic and autograd, the
//! linear model on bob, and the common errors.

use super::{step, Lesson, Value};
use crate::tensor::Tensor;

pub(super) fn lessons() -> Vec<Lesson> {
    vec![
        Lesson {
            slug: "basic_remote_execution",
            title: "Basic Remote Execution in PySyft",
            steps: vec![
                step!("In[1]", "x = th.tensor([1,2,3,4,5])\ny = x + x\nprint(y[0])", |_s| {
                    let x = Tensor::from([1, 2, 3, 4, 5]);
                    Ok(x.add(&x)?.select(0)?.to_string())
                }),
                step!("In[3]", "bob = sy.VirtualWorker(hook, id=\"bob\")", |s| {
                    s.worker("bob")?;
                    Ok(String::new())
                }),
                step!("In[4]–In[5]", "x = th.tensor([1,2,3,4,5])\ny = th.tensor([1,1,1,1,1])\nx_ptr = x.send(bob)\ny_ptr = y.send(bob)", |s| {
                    let bob = s.worker("bob")?;
                    s.set("x_ptr", Value::Pointer(Tensor::from([1, 2, 3, 4, 5]).send(&bob)?));
                    s.set("y_ptr", Value::Pointer(Tensor::from([1, 1, 1, 1, 1]).send(&bob)?));
                    Ok(String::new())
                }),
                step!("In[6]", "bob._objects", |s| { s.objects("bob").await }),
                step!("In[7]", "x_ptr", |s| { Ok(s.pointer("x_ptr")?.to_string()) }),
                step!("In[8]–In[11]", "x_ptr.location\nbob == x_ptr.location\nx_ptr.id_at_location", |s| {
                    let bob = s.worker("bob")?;
                    let x_ptr = s.pointer("x_ptr")?;
                    let location = x_ptr.location().summary().await?;
                    Ok(format!("{location}\n{}\n{}", bob == x_ptr.location(), x_ptr.id_at_location()))
                }),
                step!("In[12]–In[14]", "me = sy.local_worker\nme\nx_ptr.owner\nme == x_ptr.owner", |s| {
                    let me = s.syft.me();
                    let x_ptr = s.pointer("x_ptr")?;
                    Ok(format!("{}\n{}\n{}", me.summary().await?, x_ptr.owner().summary().await?, me == x_ptr.owner()))
                }),
                step!("In[15]–In[18]", "x_ptr.get()\ny_ptr.get()", |s| {
                    let x = s.pointer("x_ptr")?.get().await?;
                    let y = s.pointer("y_ptr")?.get().await?;
                    Ok(format!("{x}\n{y}"))
                }),
                step!("In[19]", "bob._objects", |s| { s.objects("bob").await }),
            ],
        },
        Lesson {
            slug: "playing_with_remote_tensors",
            title: "Project: Playing with Remote Tensors",
            steps: vec![
                step!("In[20]–In[22]", "alice = sy.VirtualWorker(hook, id=\"alice\")\nx = th.tensor([1,2,3,4,5])\nx_ptr = x.send(bob, alice)", |s| {
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    s.set("x", Value::Tensor(Tensor::from([1, 2, 3, 4, 5])));
                    let x_ptr = s.tensor("x")?.send_to_all(&[&bob, &alice])?;
                    s.set("x_ptr", Value::Multi(x_ptr));
                    Ok(String::new())
                }),
                step!("In[23]–In[24]", "bob._objects\nalice._objects", |s| {
                    Ok(format!("{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[25]", "x_ptr.get()", |s| {
                    let all: Vec<String> = s.multi("x_ptr")?.get().await?.iter().map(|t| t.to_string()).collect();
                    Ok(format!("[{}]", all.join(", ")))
                }),
                step!("In[26]–In[27]", "bob._objects\nalice._objects", |s| {
                    Ok(format!("{}\n{}", s.objects("bob").await?, s.objects("alice").await?))
                }),
                step!("In[28]", "x_ptr = x.send(bob, alice)\nx_ptr.get(sum_results=True)", |s| {
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    let x_ptr = s.tensor("x")?.send_to_all(&[&bob, &alice])?;
                    Ok(x_ptr.get_sum().await?.to_string())
                }),
            ],
        },
        Lesson {
            slug: "remote_arithmetic",
            title: "Introducing Remote Arithmetic",
            steps: vec![
                step!("In[29]–In[31]", "x = th.tensor([1,2,3,4,5]).send(bob)\ny = th.tensor([1,1,1,1,1]).send(bob)\nx\ny", |s| {
                    let bob = s.worker("bob")?;
                    s.set("x", Value::Pointer(Tensor::from([1, 2, 3, 4, 5]).send(&bob)?));
                    s.set("y", Value::Pointer(Tensor::from([1, 1, 1, 1, 1]).send(&bob)?));
                    Ok(format!("{}\n{}", s.pointer("x")?, s.pointer("y")?))
                }),
                step!("In[32]–In[34]", "z = x + y\nz\nz.get()", |s| {
                    let z = s.pointer("x")?.add(s.pointer("y")?)?;
                    Ok(format!("{z}\n{}", z.get().await?))
                }),
                step!("In[35]–In[36]", "z = th.add(x,y)\nz\nz.get()", |s| {
                    let z = s.pointer("x")?.add(s.pointer("y")?)?;
                    Ok(format!("{z}\n{}", z.get().await?))
                }),
                step!("In[37]", "x = th.tensor([1.,2,3,4,5], requires_grad=True).send(bob)\ny = th.tensor([1.,1,1,1,1], requires_grad=True).send(bob)", |s| {
                    let bob = s.worker("bob")?;
                    s.set("x", Value::Pointer(Tensor::from([1., 2., 3., 4., 5.]).requiring_grad()?.send(&bob)?));
                    s.set("y", Value::Pointer(Tensor::from([1., 1., 1., 1., 1.]).requiring_grad()?.send(&bob)?));
                    Ok(String::new())
                }),
                step!("In[38]–In[39]", "z = (x + y).sum()\nz.backward()", |s| {
                    let z = s.pointer("x")?.add(s.pointer("y")?)?.sum()?;
                    z.backward().await?;
                    s.set("z", Value::Pointer(z));
                    Ok(String::new())
                }),
                step!("In[40]–In[42]", "x = x.get()\nx\nx.grad", |s| {
                    let x = s.pointer("x")?.get().await?;
                    let grad = x.grad().map(|g| g.to_string()).unwrap_or_else(|| "None".into());
                    Ok(format!("{x}\n{grad}"))
                }),
            ],
        },
        Lesson {
            slug: "learn_a_simple_linear_model",
            title: "Project: Learn a Simple Linear Model",
            steps: vec![
                step!("In[43]", "input = th.tensor([[1.,1],[0,1],[1,0],[0,0]], requires_grad=True).send(bob)\ntarget = th.tensor([[1.],[1], [0], [0]], requires_grad=True).send(bob)\nweights = th.tensor([[0.],[0]], requires_grad=True).send(bob)", |s| {
                    let bob = s.worker("bob")?;
                    s.set("input", Value::Pointer(Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]).requiring_grad()?.send(&bob)?));
                    s.set("target", Value::Pointer(Tensor::from([[1.], [1.], [0.], [0.]]).requiring_grad()?.send(&bob)?));
                    s.set("weights", Value::Pointer(Tensor::from([[0.], [0.]]).requiring_grad()?.send(&bob)?));
                    Ok(String::new())
                }),
                step!("In[44]", "for i in range(10):\n    pred = input.mm(weights)\n    loss = ((pred - target)**2).sum()\n    loss.backward()\n    weights.data.sub_(weights.grad * 0.1)\n    weights.grad *= 0\n    print(loss.get().data)", |s| {
                    let (input, target, weights) = (s.pointer("input")?, s.pointer("target")?, s.pointer("weights")?);
                    let mut printed = Vec::new();
                    for _ in 0..10 {
                        let pred = input.mm(weights)?;
                        let loss = pred.sub(target)?.pow(2.0)?.sum()?;
                        loss.backward().await?;
                        weights.data()?.sub_(&weights.grad()?.mul(0.1)?).await?;
                        weights.grad()?.mul_(0.0).await?;
                        printed.push(loss.get().await?.data().to_string());
                    }
                    Ok(printed.join("\n"))
                }),
            ],
        },
        Lesson {
            slug: "common_errors",
            title: "Common Errors",
            steps: vec![
                step!("In[45]–In[46]", "x = th.tensor([1,2,3,4,5]).send(bob)\ny = th.tensor([1,1,1,1,1])\nz = y + x", |s| {
                    let bob = s.worker("bob")?;
                    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
                    let y = Tensor::from([1, 1, 1, 1, 1]);
                    let error = x.add(&y).err().map(|e| e.to_string()).unwrap_or_default();
                    Ok(format!("Error: {error}"))
                }),
                step!("(two workers)", "x = th.tensor([1,2,3,4,5]).send(bob)\ny = th.tensor([1,1,1,1,1]).send(alice)\nz = x + y", |s| {
                    let (bob, alice) = (s.worker("bob")?, s.worker("alice")?);
                    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
                    let y = Tensor::from([1, 1, 1, 1, 1]).send(&alice)?;
                    let error = x.add(&y).err().map(|e| e.to_string()).unwrap_or_default();
                    Ok(format!("Error: {error}"))
                }),
                step!("In[47]", "x = th.tensor([1,2,3,4,5]).send(bob)\nbob._objects = {}\ny = x + x", |s| {
                    let bob = s.worker("bob")?;
                    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
                    bob.clear_objects().await?;
                    let y = x.add(&x)?;
                    let error = y.get().await.err().map(|e| e.to_string()).unwrap_or_default();
                    Ok(format!("Error: {error}"))
                }),
            ],
        },
    ]
}
