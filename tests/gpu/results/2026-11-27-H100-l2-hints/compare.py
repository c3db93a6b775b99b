import re,sys
def parse(f,runner):
    res={};cb={};cur=None
    for l in open(f):
        m=re.match(r'\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+([\d.]+)',l)
        if m: cur=(m.group(1)+'x'+m.group(2)+'x'+m.group(3),m.group(4)); continue
        m=re.match(r'\s+kernel time\s+([\d.]+)',l)
        if m and cur:
            if cur[1]==runner: res[cur[0]]=float(m.group(1))
            if cur[1] in('cublaslt-fp8-tensor','cublaslt-bf16'): cb.setdefault(cur[0],[]).append(float(m.group(1)))
    return res,cb
runner=sys.argv[1]; files=sys.argv[2:]
D=[parse(f,runner) for f in files]
import math
lr=[];lb=[];ln=[]
print('%-18s'%'shape',' '.join('%10s'%f.split('-')[1]+f[-5] for f in files),' new/base   cublas  base/cb new/cb')
for s in D[0][0]:
    vals=[d[0].get(s,0) for d in D]
    half=len(files)//2
    b=sorted(vals[i] for i in range(len(files)) if 'base' in files[i]); n=sorted(vals[i] for i in range(len(files)) if 'new' in files[i])
    bm=sum(b)/len(b); nm=sum(n)/len(n)
    c=[x for d in D for x in d[1].get(s,[])]; cm=sorted(c)[len(c)//2]
    lr.append(math.log(bm/nm)); lb.append(math.log(cm/bm)); ln.append(math.log(cm/nm))
    print('%-18s'%s,' '.join('%11.2f'%v for v in vals),'  %+5.1f%%  %7.2f  %.3f  %.3f'%((bm/nm-1)*100,cm,cm/bm,cm/nm))
g=lambda l: math.exp(sum(l)/len(l))
print('geomean new vs base %.4f ; base vs cublas %.4f ; new vs cublas %.4f'%(g(lr),g(lb),g(ln)))
